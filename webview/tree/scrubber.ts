// Time travel on a trace source: a slider over the trace's lines plus an exact line box. The
// extension moves the cursor and answers with the state at that line.
import type { ViewSource } from '../../src/shared/translationView.js';
import { el } from './dom.js';

const SETTLE_MS = 120;

export class Scrubber {
  readonly root: HTMLElement;
  private readonly range: HTMLInputElement;
  private readonly box: HTMLInputElement;
  private readonly total: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly go: (line: number) => void) {
    this.range = el('input', { attrs: { type: 'range', min: 1, max: 1, step: 1, id: 'scrub-range', 'aria-label': 'Trace line' } });
    this.box = el('input', { className: 'line-box', attrs: { type: 'number', min: 1, step: 1, id: 'scrub-line', 'aria-label': 'Go to trace line' } });
    this.total = el('span', { className: 'line-total' });
    this.root = el('div', { className: 'scrubber', attrs: { role: 'group', 'aria-label': 'Time travel', hidden: true } }, el('label', { text: 'Line', attrs: { for: 'scrub-line' } }), this.box, this.total, this.range);
    this.range.addEventListener('input', () => {
      this.box.value = this.range.value;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.send(Number(this.range.value)), SETTLE_MS);
    });
    this.box.addEventListener('change', () => this.send(Number(this.box.value)));
  }

  private send(line: number): void {
    const max = Number(this.range.max);
    if (Number.isInteger(line) && line >= 1 && line <= max) this.go(line);
  }

  update(source: ViewSource | undefined): void {
    if (source?.kind !== 'trace' || source.lines < 1) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    this.range.max = String(source.lines);
    this.box.max = String(source.lines);
    this.total.textContent = `of ${source.lines}`;
    // do not yank the slider from under a drag in progress
    if (this.timer === undefined || document.activeElement !== this.range) this.range.value = String(source.line);
    if (document.activeElement !== this.box) this.box.value = String(source.line);
    this.timer = undefined;
  }
}
