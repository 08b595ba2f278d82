// The trace's diagnostics as a list under the toolbar (the "N diagnostics" button opens it) and
// next / previous navigation from the cursor (the buttons, F8 and Shift+F8), like the editor's.
import type { Diagnostic } from '../../src/shared/protocol/largeTrace.js';

/** at most this many rows in the list; navigation still walks every diagnostic fetched */
const MAX_LISTED = 2000;

export class DiagnosticsList {
  private items: Diagnostic[] = [];
  private current = -1;

  constructor(
    private readonly nav: HTMLElement,
    private readonly toggle: HTMLButtonElement,
    private readonly panel: HTMLElement,
    private readonly list: HTMLElement,
    private readonly go: (d: Diagnostic) => void,
  ) {
    toggle.addEventListener('click', () => this.setOpen(panel.hidden));
    list.addEventListener('click', (e) => this.pick(e.target as HTMLElement));
    list.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.pick(e.target as HTMLElement);
      }
    });
  }

  /** The file's diagnostics, in line order. */
  set(items: Diagnostic[]): void {
    this.items = [...items].sort((a, b) => a.line - b.line);
    this.current = -1;
    this.nav.hidden = this.items.length === 0;
    const n = this.items.length;
    this.toggle.textContent = `${n} diagnostic${n === 1 ? '' : 's'}`;
    this.toggle.title = 'Show the list of diagnostics';
    this.list.replaceChildren();
    this.items.slice(0, MAX_LISTED).forEach((d, i) => {
      const li = this.list.appendChild(document.createElement('li'));
      li.tabIndex = 0;
      li.dataset.index = String(i);
      const sev = li.appendChild(document.createElement('span'));
      sev.className = `sev-${d.severity}`;
      sev.textContent = `${d.severity} ${d.code}`;
      li.appendChild(document.createTextNode(` line ${d.line}: ${d.message}`));
      li.title = d.message;
    });
    if (n > MAX_LISTED) this.list.appendChild(document.createElement('li')).textContent = `… and ${n - MAX_LISTED} more (F8 walks them all)`;
  }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
  }

  /** Go to the next (1) or previous (-1) diagnostic after / before `line`; false when there is none. */
  step(dir: 1 | -1, line: number): boolean {
    if (this.items.length === 0) return false;
    let i: number;
    if (dir > 0) {
      i = this.items.findIndex((d) => d.line > line);
      if (i < 0) i = 0; // wrap, like the editor
    } else {
      i = this.items.length - 1 - [...this.items].reverse().findIndex((d) => d.line < line);
      if (i >= this.items.length) i = this.items.length - 1;
    }
    this.show(i);
    return true;
  }

  private pick(el: HTMLElement): void {
    const li = el.closest<HTMLElement>('li[data-index]');
    if (li) this.show(Number(li.dataset.index));
  }

  private show(i: number): void {
    const d = this.items[i];
    if (!d) return;
    this.current = i;
    for (const li of Array.from(this.list.children)) li.classList.toggle('current', (li as HTMLElement).dataset.index === String(i));
    this.list.querySelector(`[data-index="${i}"]`)?.scrollIntoView({ block: 'nearest' });
    this.go(d);
  }

  /** "diagnostic 3 of 12" for the status line. */
  position(): string {
    return this.current < 0 ? '' : `diagnostic ${this.current + 1} of ${this.items.length}`;
  }
}
