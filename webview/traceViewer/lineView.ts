// The virtual list: only the rows on screen exist in the DOM (a fixed pool, reused), whatever
// the number of lines. Rows are either every line of the file or the matches of a filter, each
// showing its original line number. Lines are fetched in blocks and kept in a bounded cache.
// Past the height a browser can scroll, the scrollbar maps proportionally onto the rows.
import type { Diagnostic, LineText } from '../../src/shared/protocol/largeTrace.js';
import { isAddressToken, tokenizeLine } from './tokenize.js';
import { diagnosticHeadline } from '../../src/trace/replay/headline.js';

/** Browsers stop laying out elements somewhere past 10^7 px; stay well below. */
const MAX_SCROLL_PX = 4_000_000;
const CACHE_LINES = 6000;
const BLOCK = 200;

export interface LineSource {
  /** `count` lines from `from` */
  lines(from: number, count: number): Promise<LineText[]>;
  /** these lines, in any order */
  linesAt(lines: number[]): Promise<LineText[]>;
  diagnostics(from: number, to: number): Promise<Diagnostic[]>;
  onError(e: unknown): void;
  /** the cursor moved to another line (the translation tree follows it) */
  onCursor?(line: number): void;
}

export class LineView {
  private total = 0;
  private lineCount = 0;
  private matches: number[] | undefined;
  private rowHeight = 19;
  private readonly pool: HTMLElement[] = [];
  private readonly cache = new Map<number, LineText>();
  private readonly requested = new Set<number>();
  private diags = new Map<number, Diagnostic[]>();
  private diagRange = '';
  private first = 0;
  private cursor = 0;
  private selected = -1;
  private frame = 0;
  private reportedLine = 0;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly rows: HTMLElement,
    private readonly spacer: HTMLElement,
    private readonly source: LineSource,
  ) {
    viewport.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(viewport);
    const probe = document.createElement('div');
    probe.className = 'row';
    probe.textContent = 'X';
    rows.appendChild(probe);
    this.rowHeight = probe.getBoundingClientRect().height || 19;
    probe.remove();
  }

  /** The file has `lines` lines; show all of them. */
  setLineCount(lines: number): void {
    this.lineCount = lines;
    if (!this.matches) this.setRows(lines);
  }

  get filtered(): boolean {
    return this.matches !== undefined;
  }

  get rowCount(): number {
    return this.total;
  }

  /** Show only `matches` (1-based, ascending), or every line again; keeps `keepLine` in view. */
  setMatches(matches: number[] | undefined, keepLine: number): void {
    this.matches = matches;
    this.setRows(matches ? matches.length : this.lineCount);
    this.diagRange = '';
    const row = this.rowOfLine(keepLine);
    this.cursor = row;
    this.selected = -1;
    this.scrollToRow(row);
  }

  private setRows(n: number): void {
    this.total = n;
    this.spacer.style.height = `${Math.min(n * this.rowHeight, MAX_SCROLL_PX)}px`;
    this.schedule();
  }

  lineOfRow(row: number): number {
    return this.matches ? this.matches[row] : row + 1;
  }

  /** The row showing `line`, or in a filtered view the first match at or after it (else the last). */
  rowOfLine(line: number): number {
    if (!this.matches) return Math.max(0, Math.min(this.total - 1, line - 1));
    let lo = 0;
    let hi = this.matches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.matches[mid] < line) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, Math.min(this.matches.length - 1, lo));
  }

  /** The line shown at the top of the view (what stays put when the filter is cleared). */
  get topLine(): number {
    return this.total === 0 ? 1 : this.lineOfRow(Math.min(this.first, this.total - 1));
  }

  get cursorLine(): number {
    return this.total === 0 ? 1 : this.lineOfRow(this.cursor);
  }

  private get visibleRows(): number {
    return Math.max(1, Math.floor(this.viewport.clientHeight / this.rowHeight));
  }

  private get capped(): boolean {
    return this.total * this.rowHeight > MAX_SCROLL_PX;
  }

  private maxScroll(): number {
    return Math.max(0, parseFloat(this.spacer.style.height || '0') - this.viewport.clientHeight);
  }

  scrollToRow(row: number): void {
    const lastFirst = Math.max(0, this.total - this.visibleRows);
    const target = Math.max(0, Math.min(row, lastFirst));
    this.viewport.scrollTop = this.capped ? (lastFirst === 0 ? 0 : (target / lastFirst) * this.maxScroll()) : target * this.rowHeight;
    this.first = target;
    this.render();
  }

  /** Scroll so `line` (or its nearest match) is at the top and put the cursor on it. */
  goToLine(line: number): void {
    const row = this.rowOfLine(line);
    this.cursor = row;
    this.selected = -1;
    this.scrollToRow(row);
  }

  setCursor(row: number): void {
    if (row === this.cursor) return;
    this.cursor = Math.max(0, Math.min(this.total - 1, row));
    this.selected = -1;
    this.render();
  }

  moveCursor(delta: number | 'home' | 'end' | 'page-up' | 'page-down'): void {
    if (this.total === 0) return;
    const page = this.visibleRows - 1;
    const to = delta === 'home' ? 0 : delta === 'end' ? this.total - 1 : delta === 'page-up' ? this.cursor - page : delta === 'page-down' ? this.cursor + page : this.cursor + delta;
    this.cursor = Math.max(0, Math.min(this.total - 1, to));
    this.selected = -1;
    if (this.cursor < this.first) this.scrollToRow(this.cursor);
    else if (this.cursor >= this.first + this.visibleRows) this.scrollToRow(this.cursor - this.visibleRows + 1);
    else this.render();
  }

  /** Select the next / previous address on the cursor line; returns its element. */
  selectAddress(step: 1 | -1): HTMLElement | undefined {
    const el = this.rowElement(this.cursor);
    const addrs = el ? Array.from(el.querySelectorAll<HTMLElement>('.addr')) : [];
    if (addrs.length === 0) return undefined;
    this.selected = this.selected < 0 ? (step > 0 ? 0 : addrs.length - 1) : (this.selected + step + addrs.length) % addrs.length;
    addrs.forEach((a, i) => a.classList.toggle('selected', i === this.selected));
    return addrs[this.selected];
  }

  selectedAddress(): HTMLElement | undefined {
    if (this.selected < 0) return undefined;
    return this.rowElement(this.cursor)?.querySelectorAll<HTMLElement>('.addr')[this.selected];
  }

  private rowElement(row: number): HTMLElement | undefined {
    return this.pool.find((r) => r.dataset.row === String(row));
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.syncFromScroll();
      this.render();
    });
  }

  private syncFromScroll(): void {
    const top = this.viewport.scrollTop;
    if (!this.capped) this.first = Math.floor(top / this.rowHeight);
    else {
      const lastFirst = Math.max(0, this.total - this.visibleRows);
      const max = this.maxScroll();
      this.first = max === 0 ? 0 : Math.round((top / max) * lastFirst);
    }
    this.first = Math.max(0, Math.min(this.first, Math.max(0, this.total - 1)));
  }

  /** Draw the rows on screen from the cache and ask for what is missing. */
  render(): void {
    if (this.total > 0 && this.cursorLine !== this.reportedLine) {
      this.reportedLine = this.cursorLine;
      this.source.onCursor?.(this.reportedLine);
    }
    const n = this.visibleRows + 1;
    while (this.pool.length < n) {
      const row = document.createElement('div');
      row.className = 'row';
      row.setAttribute('role', 'listitem');
      const gutter = row.appendChild(document.createElement('span'));
      gutter.className = 'gutter';
      gutter.appendChild(document.createElement('span')).className = 'marker';
      gutter.appendChild(document.createElement('span')).className = 'ln';
      row.appendChild(document.createElement('span')).className = 'code';
      this.rows.appendChild(row);
      this.pool.push(row);
    }
    while (this.pool.length > n) this.pool.pop()!.remove();
    // uncapped: the rows follow the scroll exactly, including the part of a row scrolled off
    const offset = this.capped ? 0 : this.viewport.scrollTop - this.first * this.rowHeight;
    this.rows.style.transform = `translateY(${-offset}px)`;
    const missing: number[] = [];
    this.pool.forEach((el, i) => {
      const row = this.first + i;
      if (row >= this.total) {
        el.hidden = true;
        el.dataset.row = '';
        return;
      }
      el.hidden = false;
      const line = this.lineOfRow(row);
      const text = this.cache.get(line);
      if (!text) missing.push(line);
      this.fillRow(el, row, line, text);
    });
    if (missing.length) this.fetch(missing);
    this.fetchDiagnostics();
  }

  private fillRow(el: HTMLElement, row: number, line: number, text: LineText | undefined): void {
    const diags = this.diags.get(line);
    const key = `${line}|${text ? 1 : 0}|${diags?.length ?? 0}`;
    el.classList.toggle('cursor', row === this.cursor);
    el.dataset.row = String(row);
    if (el.dataset.key === key) return;
    el.dataset.key = key;
    el.dataset.line = String(line);
    const [gutter, code] = el.children as unknown as [HTMLElement, HTMLElement];
    const [marker, ln] = gutter.children as unknown as [HTMLElement, HTMLElement];
    ln.textContent = String(line);
    if (diags?.length) {
      const worst = diags.some((d) => d.severity === 'error') ? 'error' : diags.some((d) => d.severity === 'warning') ? 'warning' : 'info';
      marker.className = `marker sev-${worst}`;
      marker.textContent = worst === 'error' ? '●' : worst === 'warning' ? '▲' : 'ℹ';
      marker.title = diags.map((d) => `${d.severity} ${d.code}: ${diagnosticHeadline(d)}\n${d.message}`).join('\n\n');
      marker.setAttribute('aria-label', marker.title);
    } else {
      marker.className = 'marker';
      marker.textContent = '';
      marker.removeAttribute('title');
      marker.removeAttribute('aria-label');
    }
    code.replaceChildren();
    if (!text) {
      code.textContent = '…';
      return;
    }
    let p = 0;
    const seg = (start: number, end: number, cls?: string): void => {
      const s = code.appendChild(document.createElement('span'));
      s.textContent = text.text.slice(start, end);
      s.dataset.col = String(start);
      if (cls) s.className = cls;
    };
    for (const t of tokenizeLine(text.text)) {
      if (t.start > p) seg(p, t.start);
      seg(t.start, t.end, `t-${t.kind}${isAddressToken(t) ? ' addr' : ''}`);
      p = t.end;
    }
    if (p < text.text.length) seg(p, text.text.length);
    if (text.cut !== undefined) {
      const c = code.appendChild(document.createElement('span'));
      c.className = 'cut';
      c.textContent = ` … (line cut: ${text.cut} bytes)`;
    }
  }

  private fetch(missing: number[]): void {
    const want = missing.filter((l) => !this.requested.has(l));
    if (want.length === 0) return;
    let p: Promise<LineText[]>;
    if (this.matches) {
      p = this.source.linesAt(want);
    } else {
      // whole blocks around what is on screen: scrolling on needs no new round trip
      const from = Math.max(1, Math.floor((Math.min(...want) - 1) / BLOCK) * BLOCK + 1);
      const to = Math.min(this.lineCount, Math.ceil(Math.max(...want) / BLOCK) * BLOCK);
      for (let l = from; l <= to; l++) want.push(l);
      p = this.source.lines(from, to - from + 1);
    }
    for (const l of want) this.requested.add(l);
    p.then(
      (lines) => {
        for (const l of lines) this.cache.set(l.line, l);
        for (const l of want) this.requested.delete(l);
        this.trimCache();
        this.render();
      },
      (e: unknown) => {
        for (const l of want) this.requested.delete(l);
        this.source.onError(e);
      },
    );
  }

  private trimCache(): void {
    if (this.cache.size <= CACHE_LINES) return;
    // Map keeps insertion order: the oldest lines go first
    for (const k of this.cache.keys()) {
      if (this.cache.size <= CACHE_LINES / 2) break;
      this.cache.delete(k);
    }
  }

  private fetchDiagnostics(): void {
    if (this.total === 0) return;
    const from = this.lineOfRow(this.first);
    const to = this.lineOfRow(Math.min(this.total - 1, this.first + this.visibleRows));
    const range = `${from}-${to}`;
    if (range === this.diagRange) return;
    this.diagRange = range;
    this.source.diagnostics(from, to).then((items) => {
      if (this.diagRange !== range) return;
      const m = new Map<number, Diagnostic[]>();
      for (const d of items) m.set(d.line, [...(m.get(d.line) ?? []), d]);
      this.diags = m;
      this.render();
    }, (e: unknown) => this.source.onError(e));
  }

  /** Diagnostics of a shown line (for the status bar). */
  diagnosticsOf(line: number): Diagnostic[] {
    return this.diags.get(line) ?? [];
  }

  /** Cached text of a line, when loaded. */
  textOf(line: number): LineText | undefined {
    return this.cache.get(line);
  }

  /** Lines currently in the DOM (for tests and the status). */
  get domRows(): number {
    return this.pool.filter((r) => !r.hidden).length;
  }
}
