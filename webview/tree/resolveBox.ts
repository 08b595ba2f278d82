// The resolve box: an address (and optionally its space and device) in, the translation chain
// out, each hop a button that brings its tree node into view.
import type { ViewHop, ViewResolution } from '../../src/shared/translationView.js';
import type { ResolveAsk } from '../../src/shared/protocol/webview.js';
import { parseAddressQuery } from '../../src/shared/addressQuery.js';
import { isSpace, SPACES, spaceTitle } from '../../src/model/space.js';
import { permName, isPerm } from '../../src/model/access.js';
import { clear, el } from './dom.js';
import type { TreeState } from './state.js';

export interface ResolveEvents {
  ask(q: ResolveAsk): void;
  showNode(nodeId: string): void;
  changed(r: TreeState['resolve']): void;
  /** a new query was submitted: the last chain's highlights are stale */
  stale(): void;
}

export class ResolveBox {
  readonly root: HTMLElement;
  private readonly addr: HTMLInputElement;
  private readonly space: HTMLSelectElement;
  private readonly device: HTMLInputElement;
  private readonly result: HTMLElement;

  constructor(private readonly events: ResolveEvents) {
    this.addr = el('input', { attrs: { id: 'resolve-addr', type: 'text', spellcheck: 'false', placeholder: '0x2000001010 or gpa:0x1000', autocomplete: 'off' } });
    this.space = el('select', { attrs: { id: 'resolve-space' } }, el('option', { text: 'any space', attrs: { value: '' } }));
    for (const s of SPACES) this.space.appendChild(el('option', { text: spaceTitle[s], attrs: { value: s } }));
    this.device = el('input', { attrs: { id: 'resolve-device', type: 'text', spellcheck: 'false', placeholder: 'device (00:03.0)', 'aria-label': 'Device (optional)' } });
    const form = el(
      'form',
      { className: 'resolve-form', attrs: { role: 'search', 'aria-label': 'Resolve an address' } },
      el('label', { text: 'Resolve', attrs: { for: 'resolve-addr' } }),
      this.addr,
      el('label', { className: 'visually-hidden', text: 'Address space', attrs: { for: 'resolve-space' } }),
      this.space,
      this.device,
      el('button', { text: 'Resolve', attrs: { type: 'submit' } }),
    );
    this.result = el('div', { className: 'resolve-result', attrs: { 'aria-live': 'polite' } });
    this.root = el('section', { className: 'resolve' }, form, this.result);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    for (const input of [this.addr, this.space, this.device]) input.addEventListener('change', () => this.events.changed(this.value()));
  }

  value(): TreeState['resolve'] {
    const sp = this.space.value;
    return { addr: this.addr.value, space: isSpace(sp) ? sp : '', device: this.device.value };
  }

  restore(v: TreeState['resolve']): void {
    this.addr.value = v.addr;
    this.space.value = v.space;
    this.device.value = v.device;
  }

  /**
   * The query as typed, or undefined (with the reason shown) when there is nothing to ask. A space
   * named in the text (`gpa:0x1000`, `giova:00:03.0:0x1000`) wins over the space list, which then
   * shows it.
   */
  query(): ResolveAsk | undefined {
    const v = this.value();
    if (v.addr.trim() === '') return undefined;
    const q = parseAddressQuery(v.addr);
    if ('error' in q) {
      this.showMessage(q.error, 'error');
      return undefined;
    }
    const space = q.space ?? (v.space !== '' ? v.space : undefined);
    const device = q.device ?? (v.device.trim() !== '' ? v.device.trim() : undefined);
    if (q.space) this.space.value = q.space;
    if (q.device) this.device.value = q.device;
    return { addr: q.addr, ...(space ? { space } : {}), ...(device ? { device } : {}) };
  }

  /** Put a query in the box (from Resolve Address…), as the user would have typed it. */
  fill(q: ResolveAsk): void {
    this.addr.value = q.addr;
    this.space.value = q.space ?? '';
    this.device.value = q.device ?? '';
    this.events.changed(this.value());
  }

  submit(): void {
    this.events.changed(this.value());
    this.events.stale();
    const q = this.query();
    if (q) {
      this.showMessage(`resolving ${q.addr}…`, 'note');
      this.events.ask(q);
    }
  }

  private showMessage(text: string, kind: 'error' | 'note'): void {
    clear(this.result);
    this.result.appendChild(el('p', { className: kind, text, attrs: kind === 'error' ? { role: 'alert' } : {} }));
  }

  show(r: ViewResolution): void {
    clear(this.result);
    this.result.appendChild(el('p', { className: 'query', text: `Resolved ${r.query}` }));
    if (r.error) this.result.appendChild(el('p', { className: 'error', text: r.error }));
    if (r.note) this.result.appendChild(el('p', { className: 'note', text: r.note }));
    if (r.chains.length === 0 && !r.error) this.result.appendChild(el('p', { className: 'note', text: 'no translation' }));
    r.chains.forEach((chain, i) => {
      const list = el('ol', { className: 'chain', attrs: { 'aria-label': i === 0 ? 'Translation chain' : `Alternative chain ${i}` } });
      chain.forEach((h) => list.appendChild(el('li', {}, this.hop(h))));
      if (i > 0) this.result.appendChild(el('p', { className: 'alt', text: 'also reachable as:' }));
      this.result.appendChild(list);
    });
  }

  private hop(h: ViewHop): HTMLElement {
    const parts = [`${spaceTitle[h.space]} ${h.addr}`];
    const extra: string[] = [];
    if (h.createdLine !== undefined) extra.push(`line ${h.createdLine}`);
    if (h.perm !== undefined) extra.push(isPerm(h.perm) ? permName(h.perm) : `perm ${h.perm}`);
    if (h.asid !== undefined) extra.push(`ASID ${h.asid}`);
    if (h.device !== undefined) extra.push(h.device);
    if (h.owner !== undefined) extra.push(h.owner);
    if (extra.length) parts.push(`(${extra.join(', ')})`);
    const text = parts.join(' ');
    if (h.nodeId === undefined) return el('span', { className: 'hop', text });
    const id = h.nodeId;
    const b = el('button', { className: 'hop link', text, attrs: { type: 'button', 'data-node-id': id, title: 'Show in the tree' } });
    b.addEventListener('click', () => this.events.showNode(id));
    return b;
  }
}
