// The tree on screen: a flat list of treeitems carrying aria-level/posinset/setsize (the ARIA
// tree pattern without nested groups), one tab stop that moves with the focus.
import type { ViewNode } from '../../src/shared/translationView.js';
import { permName, isPerm } from '../../src/model/access.js';
import { clear, el } from './dom.js';
import { keyAction } from './treeKeys.js';
import type { Row } from './treeModel.js';

export interface TreeEvents {
  toggle(id: string, open: boolean): void;
  activate(node: ViewNode): void;
  openMemory(node: ViewNode): void;
  focusMoved(id: string): void;
}

export class TreeView {
  private rows: Row[] = [];
  private focusId: string | undefined;

  constructor(
    readonly list: HTMLElement,
    private readonly events: TreeEvents,
  ) {
    list.setAttribute('role', 'tree');
    list.addEventListener('keydown', (e) => this.onKey(e));
    list.addEventListener('click', (e) => this.onClick(e));
  }

  get focusedId(): string | undefined {
    return this.focusId;
  }

  /** `added`: nodes that appeared since the previous line of the same trace (scrubbing) */
  render(rows: Row[], focusId: string | undefined, chain: ReadonlyMap<string, number[]>, added: ReadonlySet<string> = new Set()): void {
    const hadFocus = this.list.contains(document.activeElement);
    this.rows = rows;
    this.focusId = rows.some((r) => r.node.id === focusId) ? focusId : rows[0]?.node.id;
    clear(this.list);
    for (const r of rows) {
      const li = this.item(r, chain.get(r.node.id));
      if (added.has(r.node.id)) {
        li.classList.add('added');
        li.appendChild(el('span', { className: 'change-badge', text: 'new' }));
      }
      this.list.appendChild(li);
    }
    if (hadFocus) this.focusRow(this.focusId);
  }

  /** Move the tab stop (and the keyboard focus when asked) to a node already on screen. */
  focusRow(id: string | undefined, takeFocus = true): void {
    if (id === undefined) return;
    const li = this.itemOf(id);
    if (!li) return;
    for (const other of Array.from(this.list.querySelectorAll('[role="treeitem"][tabindex="0"]'))) if (other !== li) other.setAttribute('tabindex', '-1');
    for (const other of Array.from(this.list.querySelectorAll('[aria-selected="true"]'))) if (other !== li) other.setAttribute('aria-selected', 'false');
    li.setAttribute('tabindex', '0');
    li.setAttribute('aria-selected', 'true');
    this.focusId = id;
    if (takeFocus) li.focus();
    li.scrollIntoView({ block: 'nearest' });
    this.events.focusMoved(id);
  }

  private itemOf(id: string): HTMLElement | undefined {
    for (const li of Array.from(this.list.children)) if ((li as HTMLElement).dataset.id === id) return li as HTMLElement;
    return undefined;
  }

  private item(r: Row, hops: number[] | undefined): HTMLElement {
    const n = r.node;
    const focused = n.id === this.focusId;
    const li = el('li', {
      className: ['node', r.more !== undefined ? 'more' : '', hops ? 'on-chain' : '', n.createdLine !== undefined ? 'has-line' : ''].filter(Boolean).join(' '),
      attrs: {
        role: 'treeitem',
        'aria-level': r.level,
        'aria-posinset': r.posInSet,
        'aria-setsize': r.setSize,
        'aria-expanded': r.expandable ? String(r.expanded) : undefined,
        'aria-selected': String(focused),
        tabindex: focused ? '0' : '-1',
        'data-id': n.id,
      },
    });
    li.style.setProperty('--level', String(r.level - 1));
    if (n.tooltip) li.title = n.tooltip;
    li.appendChild(el('span', { className: 'twistie', text: r.expandable ? (r.expanded ? '▾' : '▸') : '', attrs: { 'aria-hidden': 'true' } }));
    li.appendChild(el('span', { className: 'label', text: n.label }));
    if (n.perm !== undefined) li.appendChild(el('span', { className: `perm perm-${n.perm}`, text: isPerm(n.perm) ? permName(n.perm) : String(n.perm) }));
    if (n.detail) li.appendChild(el('span', { className: 'detail', text: n.detail }));
    if (n.owner && n.createdLine !== undefined && n.owner !== n.label) li.appendChild(el('span', { className: 'owner', text: n.owner }));
    if (hops) li.appendChild(el('span', { className: 'hop-badge', text: `hop ${hops.map((h) => h + 1).join(', ')}` }));
    return li;
  }

  private indexOf(target: EventTarget | null): number {
    const li = (target as HTMLElement | null)?.closest?.('[role="treeitem"]') as HTMLElement | null;
    if (!li) return -1;
    return this.rows.findIndex((r) => r.node.id === li.dataset.id);
  }

  private onClick(e: MouseEvent): void {
    const i = this.indexOf(e.target);
    const row = this.rows[i];
    if (!row) return;
    this.focusRow(row.node.id);
    const onTwistie = (e.target as HTMLElement).classList.contains('twistie');
    if (row.expandable && (onTwistie || (row.node.createdLine === undefined && row.node.memoryRef === undefined))) this.events.toggle(row.node.id, !row.expanded);
    else if (!onTwistie) this.events.activate(row.node);
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const a = keyAction(e.key, this.rows, this.indexOf(e.target));
    if (!a) return;
    e.preventDefault();
    const row = this.rows[a.index];
    if (!row) return;
    if (a.kind === 'focus') this.focusRow(row.node.id);
    else if (a.kind === 'toggle') this.events.toggle(row.node.id, a.open);
    else if (a.kind === 'memory') this.events.openMemory(row.node);
    else if (row.expandable && row.node.createdLine === undefined && row.node.memoryRef === undefined) this.events.toggle(row.node.id, !row.expanded);
    else this.events.activate(row.node);
  }
}
