// The filtered view "Filter Trace to Matches…" opens: its tab, and the original line numbers
// its rows carry ("  17 │ text").
import type { Workbench } from './workbench.js';
import { UI_WAIT_MS, waitUntil } from './workbench.js';

/** Runs the filter on the focused trace and waits for its view; returns the rows' original line numbers, ascending. */
export async function filterToView(wb: Workbench, query: string, expectedRows: number): Promise<number[]> {
  await wb.startCommand('IOVA Lens: Filter Trace to Matches…');
  await wb.answerInput('Filter trace to matches', query);
  await wb.page.locator('.tab.active', { hasText: query }).waitFor({ timeout: UI_WAIT_MS });
  const rows = wb.activeEditor().locator('.view-lines .view-line');
  let numbers: number[] = [];
  await waitUntil(async () => {
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' '));
    numbers = texts.flatMap((t) => /^\s*(\d+) │ /.exec(t)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    return numbers.length === expectedRows;
  }, `the filtered view of "${query}" never showed ${expectedRows} rows`);
  return numbers;
}
