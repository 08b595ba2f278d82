// The trace viewer (the large-trace custom editor) as a user sees it: its webview's toolbar
// (go to line, the filter bar, the status) and the rows drawn on screen. Reads what is shown,
// never the viewer's own state.
import type { Frame, Locator } from 'playwright-core';
import { UI_WAIT_MS, waitUntil, type Workbench } from './workbench.js';

export interface ShownRow {
  /** the line number in the gutter */
  line: number;
  /** the line's text as drawn */
  text: string;
}

export class TraceViewerPage {
  private constructor(readonly frame: Frame) {}

  /** The viewer's webview once its page is up (webviews nest two frames: find it by content). */
  static async find(wb: Workbench): Promise<TraceViewerPage> {
    return new TraceViewerPage(await wb.webviewFrame('#toolbar[aria-label="Trace viewer"]', 'the trace viewer'));
  }

  status(): Locator {
    return this.frame.locator('#status');
  }

  async waitForStatus(text: string): Promise<void> {
    await this.status().filter({ hasText: text }).waitFor({ timeout: UI_WAIT_MS });
  }

  /** The Line box of the toolbar, then Go. */
  async goToLine(line: number): Promise<void> {
    await this.frame.locator('#goto-line').fill(String(line));
    await this.frame.locator('#goto button[type=submit]').click();
  }

  /** The drawn row of a line (its gutter number is `line`). */
  row(line: number): Locator {
    return this.frame.locator(`.row:not([hidden])[data-line="${line}"]`);
  }

  /** Hovers `token` until the viewer's hover card shows; returns the card's text on one line. */
  async hover(token: Locator, what: string): Promise<string> {
    const card = this.frame.locator('#hover:not([hidden])');
    // each try leaves the token first, so a card asked for before the index was ready, or one
    // saying the background replay has not reached the line yet, is asked again
    await waitUntil(async () => {
      await this.frame.page().mouse.move(0, 500);
      await token.hover();
      const shown = await card.waitFor({ timeout: 3000 }).then(() => true, () => false);
      return shown && !/^\s*Still indexing/.test(await card.innerText());
    }, `no hover card over ${what}`);
    return (await card.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Fills the filter bar's event family and presses Filter. */
  async filterFamily(family: string): Promise<void> {
    await this.frame.locator('#f-family').fill(family);
    await this.frame.locator('#filter button[type=submit]').click();
  }

  /**
   * The rows a user sees: drawn (not display:none), with a height, inside the scrolled viewport,
   * top to bottom; waits until none still shows the "…" of a line being fetched.
   */
  async shownRows(): Promise<ShownRow[]> {
    const read = (): Promise<ShownRow[]> =>
      this.frame.locator('#viewport').evaluate((vp) => {
        const box = vp.getBoundingClientRect();
        return Array.from(vp.querySelectorAll<HTMLElement>('.row'))
          .filter((r) => {
            const b = r.getBoundingClientRect();
            return getComputedStyle(r).display !== 'none' && b.height > 0 && b.bottom > box.top && b.top < box.bottom;
          })
          .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
          .map((r) => ({ line: Number(r.querySelector('.ln')?.textContent), text: r.querySelector('.code')?.textContent ?? '' }));
      });
    let rows: ShownRow[] = [];
    await waitUntil(async () => {
      rows = await read();
      return !rows.some((r) => r.text === '…');
    }, 'the shown lines never loaded');
    return rows;
  }
}
