// Trace Viewer navigation in a real browser (Chromium through playwright-core) over a real
// index: a filtered match double-clicked lands on the same line among every line; Clear keeps the
// selected line on screen and empties the fields; the gutter stays put when the text scrolls
// sideways; the diagnostics are a list with next / previous; the filter fields are labelled;
// the cursor line is reported to the extension (the translation tree follows it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateLargeTrace } from '../../bench/largeTraceGen.js';
import { FakeExtension, bundleViewer } from './viewerHost.js';
import { referenceLines, tempDir, type TempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
let tmp: TempDir;
let browser: Browser;
let page: Page;
let host: FakeExtension;
let want: string[];

const status = async (): Promise<string> => (await page.textContent('#status')) ?? '';
const cursorLine = async (): Promise<number> => Number(await page.getAttribute('#rows .row.cursor', 'data-line'));
/** the cursor row is drawn inside the viewport's visible box */
async function cursorOnScreen(): Promise<boolean> {
  return page.evaluate(() => {
    const vp = document.getElementById('viewport')!.getBoundingClientRect();
    const r = document.querySelector('#rows .row.cursor:not([hidden])')?.getBoundingClientRect();
    return !!r && r.top >= vp.top - 1 && r.bottom <= vp.bottom + 1;
  });
}
async function filterFamily(family: string): Promise<void> {
  await page.fill('#f-family', family);
  await page.click('#filter button[type=submit]');
  await page.waitForFunction(() => /matching lines/.test(document.getElementById('status')?.textContent ?? ''));
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} for the trace viewer browser test (apt-get install chromium)`);
  tmp = tempDir();
  const gen = generateLargeTrace(join(tmp.dir, 'gen.log'), 10_000_000, 21, { faultEvery: 1500 });
  const path = join(tmp.dir, 'viewer-nav.log');
  writeFileSync(path, readFileSync(gen.path, 'utf8'));
  want = referenceLines(readFileSync(path, 'utf8'));
  host = new FakeExtension('viewer-nav.log');
  await host.open(path);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  await host.attach(page, await bundleViewer());
  await page.waitForFunction(() => /lines/.test(document.getElementById('status')?.textContent ?? ''));
});

after(async () => {
  await browser?.close();
  tmp?.remove();
});

test('every filter field has a visible label naming it', async () => {
  for (const id of ['f-space', 'f-range', 'f-family', 'f-device', 'f-asid']) {
    const label = await page.textContent(`label[for="${id}"]`);
    assert.ok(label && label.trim().length > 0, `#${id} has no label`);
  }
});

test('double-clicking a filtered match shows that line among every line, selected and on screen', async () => {
  const matches = want.flatMap((t, i) => (t.includes(':vhost_vdpa_dma_unmap ') ? [i + 1] : []));
  await filterFamily('vhost_vdpa_dma_unmap');
  const target = matches[3]!;
  await page.dblclick(`#rows .row[data-line="${target}"] .ln`);
  await page.waitForFunction(() => !/matching lines/.test(document.getElementById('status')?.textContent ?? ''));
  assert.equal(await cursorLine(), target);
  assert.ok(await cursorOnScreen());
  // every line again: the neighbours that are not matches show too
  assert.ok(await page.$(`#rows .row[data-line="${target + 1}"]`), 'the line after the match is not shown: still filtered');
  assert.deepEqual(host.received.filter((m) => (m as { type: string }).type === 'cursor').at(-1), { type: 'cursor', line: target });
});

test('Clear: the selected line stays selected and on screen, and the fields are emptied', async () => {
  const matches = want.flatMap((t, i) => (t.includes('vtd_dmar_fault') ? [i + 1] : []));
  await filterFamily('vtd_dmar_fault');
  await page.focus('#viewport');
  for (let i = 0; i < matches.length - 1 && i < 20; i++) await page.keyboard.press('ArrowDown');
  const selected = await cursorLine();
  assert.ok(selected > 1000, `selected line ${selected} is far down the file`);
  await page.click('#f-clear');
  await page.waitForFunction(() => !/matching lines/.test(document.getElementById('status')?.textContent ?? ''));
  assert.equal(await cursorLine(), selected);
  assert.ok(await cursorOnScreen(), 'after Clear the selected line is off screen');
  for (const id of ['#f-range', '#f-family', '#f-device', '#f-asid', '#f-space']) assert.equal(await page.inputValue(id), '', `${id} kept its text`);
});

test('the gutter stays at the left edge when the text scrolls sideways', async () => {
  await page.evaluate(() => {
    document.getElementById('viewport')!.scrollLeft = 400;
  });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const [vpLeft, scrolled, gutterLeft] = await page.evaluate(() => {
    const vp = document.getElementById('viewport')!;
    return [vp.getBoundingClientRect().left, vp.scrollLeft, document.querySelector('#rows .row:not([hidden]) .gutter')!.getBoundingClientRect().left];
  });
  assert.ok(scrolled > 0, 'the text did not scroll sideways (no line longer than the view?)');
  assert.ok(Math.abs(gutterLeft - vpLeft) < 1, `the gutter moved to ${gutterLeft} (viewport at ${vpLeft})`);
  await page.evaluate(() => {
    document.getElementById('viewport')!.scrollLeft = 0;
  });
});

test('diagnostics: a list to open, and next / previous (F8, Shift+F8) from the cursor', async () => {
  const expected = (await host.answer({ type: 'diagnostics', id: 98, from: 1, to: want.length })).at(-1)!;
  const items = expected.type === 'diagnostics' ? [...expected.items].sort((a, b) => a.line - b.line) : [];
  assert.ok(items.length >= 2, 'the fixture has diagnostics');
  assert.equal((await page.textContent('#diag-toggle'))?.trim(), `${items.length} diagnostic${items.length === 1 ? '' : 's'}`);
  await page.click('#diag-toggle');
  assert.equal(await page.$$eval('#diag-list li[data-index]', (l) => l.length), Math.min(items.length, 2000));
  await page.fill('#goto-line', '1');
  await page.press('#goto-line', 'Enter');
  await page.focus('#viewport');
  await page.keyboard.press('F8');
  await page.waitForFunction((l) => document.querySelector('#rows .row.cursor')?.getAttribute('data-line') === String(l), items.find((d) => d.line > 1)!.line);
  assert.match(await status(), /^diagnostic \d+ of \d+: line \d+, (error|warning|info) /);
  await page.keyboard.press('F8');
  const second = items.find((d) => d.line > items.find((x) => x.line > 1)!.line)!.line;
  await page.waitForFunction((l) => document.querySelector('#rows .row.cursor')?.getAttribute('data-line') === String(l), second);
  await page.keyboard.press('Shift+F8');
  await page.waitForFunction((l) => document.querySelector('#rows .row.cursor')?.getAttribute('data-line') === String(l), items.find((d) => d.line > 1)!.line);
  // a row of the list goes to its line
  const last = items[Math.min(items.length, 2000) - 1]!;
  await page.click(`#diag-list li[data-index="${Math.min(items.length, 2000) - 1}"]`);
  await page.waitForFunction((l) => document.querySelector('#rows .row.cursor')?.getAttribute('data-line') === String(l), last.line);
  assert.ok(await cursorOnScreen());
});
