// The trace viewer in a real browser (Chromium through playwright-core), answered by a real
// index of a 100k-line trace: bounded DOM, scrolling, hover chains, go to definition, filter
// and back, the gutter, keyboard use, and trace text that looks like HTML staying text.
// Fails (never skips) when Chromium is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { generateLargeTrace } from '../../bench/largeTraceGen.js';
import { FakeExtension, bundleViewer } from './viewerHost.js';
import { referenceLines, tempDir, type TempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE = 'qemu-system-x86_64: <script>window.__pwned = 1</script><b>not bold</b><img src=x onerror="window.__pwned=2">';

let tmp: TempDir;
let browser: Browser;
let page: Page;
let host: FakeExtension;
let want: string[];

/** What the rows on screen show: [line number, text] per visible row. */
async function shown(p: Page): Promise<[number, string][]> {
  return p.$$eval('#rows .row:not([hidden])', (rows) => rows.map((r) => [Number(r.querySelector('.ln')?.textContent), r.querySelector('.code')?.textContent ?? ''] as [number, string]));
}

/** Wait until every visible row has its text (no placeholder), then return them. */
async function settled(p: Page): Promise<[number, string][]> {
  // a scroll is drawn on the next animation frame: let it happen first
  await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await p.waitForFunction(() => {
    const rows = Array.from(document.querySelectorAll('#rows .row:not([hidden]) .code'));
    return rows.length > 0 && rows.every((c) => c.textContent !== '…');
  });
  return shown(p);
}

function assertRowsAreFileLines(rows: [number, string][]): void {
  for (const [line, text] of rows) assert.equal(text, want[line - 1], `row for line ${line}`);
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} for the trace viewer browser test (apt-get install chromium)`);
  tmp = tempDir();
  const gen = generateLargeTrace(join(tmp.dir, 'gen.log'), 10_000_000, 21, { faultEvery: 1500 });
  const path = join(tmp.dir, 'viewer-100k.log');
  writeFileSync(path, HOSTILE + '\n' + readFileSync(gen.path, 'utf8'));
  want = referenceLines(readFileSync(path, 'utf8'));
  assert.ok(want.length >= 100_000, `fixture has ${want.length} lines`);
  host = new FakeExtension('viewer-100k.log');
  await host.open(path);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await host.attach(page, await bundleViewer());
  await page.waitForFunction(() => /lines/.test(document.getElementById('status')?.textContent ?? ''));
  assert.deepEqual(errors, []);
});

after(async () => {
  await browser?.close();
  tmp?.remove();
});

test('100k lines: only a screenful of rows exists, and they are the first lines of the file', async () => {
  assert.match((await page.textContent('#status')) ?? '', new RegExp(`${want.length.toLocaleString('en')} lines`));
  const rows = await settled(page);
  assert.equal(rows[0][0], 1);
  assertRowsAreFileLines(rows);
  const inDom = await page.$$eval('.row', (r) => r.length);
  assert.ok(inDom > 20 && inDom < 80, `${inDom} row elements for ${want.length} lines`);
});

test('trace text that looks like HTML is shown as text and never runs', async () => {
  const first = (await settled(page))[0];
  assert.deepEqual(first, [1, HOSTILE]);
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.$$eval('#rows script, #rows b, #rows img', (e) => e.length), 0);
  assert.equal(await page.$$eval('script', (e) => e.length), 1);
  // coloured as QEMU's error output, like the grammar does
  assert.equal(await page.$eval('#rows .row .code span', (s) => s.className), 't-error');
});

test('scrolling (wheel, go-to box, end of file) shows the right lines with their numbers', async () => {
  await page.mouse.move(600, 400);
  await page.mouse.wheel(0, 4000);
  await page.waitForFunction(() => Number(document.querySelector('#rows .row .ln')?.textContent) > 150);
  let rows = await settled(page);
  assert.ok(rows[0][0] > 150, `wheel moved to line ${rows[0][0]}`);
  assertRowsAreFileLines(rows);
  for (let i = 1; i < rows.length; i++) assert.equal(rows[i][0], rows[i - 1][0] + 1);

  await page.fill('#goto-line', '54321');
  await page.press('#goto-line', 'Enter');
  rows = await settled(page);
  assert.equal(rows[0][0], 54321);
  assertRowsAreFileLines(rows);

  await page.$eval('#viewport', (v) => (v.scrollTop = v.scrollHeight));
  rows = await settled(page);
  assert.equal(rows.at(-1)![0], want.length);
  assertRowsAreFileLines(rows);
  assert.ok((await page.$$eval('.row', (r) => r.length)) < 80);
});

test('hover on a translated guest IOVA shows its chain down to the GPA QEMU printed', async () => {
  const target = want.findIndex((t, i) => i > 70000 && t.includes('vtd_dmar_translate')) + 1;
  await page.fill('#goto-line', String(target));
  await page.press('#goto-line', 'Enter');
  await settled(page);
  const m = /iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+)/.exec(want[target - 1])!;
  const token = page.locator(`#rows .row[data-line="${target}"] .addr`, { hasText: m[1] }).first();
  const card = page.locator('#hover:not([hidden])', { hasText: `guest IOVA ${m[1]}` });
  // rows may still move under the mouse while the view settles: leave and hover again until the
  // card is this token's
  for (let tries = 0; ; tries++) {
    await page.mouse.move(5, 5);
    await token.hover();
    if (await card.waitFor({ timeout: 3000 }).then(() => true, () => false)) break;
    assert.ok(tries < 5, `no hover card for ${m[1]} on line ${target}: ${(await page.textContent('#hover')) ?? ''}`);
  }
  const text = (await page.textContent('#hover')) ?? '';
  assert.match(text, new RegExp(`guest IOVA ${m[1]}`));
  assert.match(text, new RegExp(`GPA ${m[2]}`));
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: join('test-artifacts', 'trace-viewer.png') });
  await page.keyboard.press('Escape');
  await page.mouse.move(5, 5);
});

test('ctrl-click on an unmap goes to the line of the map it removed', async () => {
  const unmap = want.findIndex((t, i) => i > 60000 && t.includes(':vhost_vdpa_dma_unmap ')) + 1;
  const iova = /iova: (0x[0-9a-f]+)/.exec(want[unmap - 1])![1];
  // brute force: the last dma_map of that IOVA before the unmap
  let map = unmap - 1;
  while (!(want[map - 1].includes(':vhost_vdpa_dma_map ') && want[map - 1].includes(`iova: ${iova} `))) map--;
  await page.fill('#goto-line', String(unmap));
  await page.press('#goto-line', 'Enter');
  await settled(page);
  await page.locator(`#rows .row[data-line="${unmap}"] .addr`, { hasText: iova }).first().click({ modifiers: ['Control'] });
  await page.waitForFunction((l) => document.querySelector('#rows .row.cursor')?.getAttribute('data-line') === String(l), map);
  assert.match((await page.textContent('#status')) ?? '', new RegExp(`Definition: line ${map}`));
  assertRowsAreFileLines(await settled(page));
});

test('diagnostics show in the gutter with their message', async () => {
  const fault = want.findIndex((t) => t.includes('vtd_dmar_fault')) + 1;
  await page.fill('#goto-line', String(fault));
  await page.press('#goto-line', 'Enter');
  await page.waitForSelector(`#rows .row[data-line="${fault}"] .marker.sev-error`);
  const title = await page.getAttribute(`#rows .row[data-line="${fault}"] .marker`, 'title');
  // the headline first (what and where), the whole message under it
  assert.match(title ?? '', /^error dma-fault: DMA fault: guest IOVA (0x[0-9a-f]+)\nDMA read by 00:02\.0 at guest IOVA \1 faulted/);
});

test('filter to a family shows only matches with their original numbers; clearing returns to the same line', async () => {
  const matches = want.flatMap((t, i) => (t.includes(':vhost_vdpa_dma_unmap ') ? [i + 1] : []));
  await page.fill('#goto-line', '1');
  await page.press('#goto-line', 'Enter');
  await page.fill('#f-family', 'vhost_vdpa_dma_unmap');
  await page.click('#filter button[type=submit]');
  await page.waitForFunction(() => /matching lines/.test(document.getElementById('status')?.textContent ?? ''));
  assert.match((await page.textContent('#status')) ?? '', new RegExp(`^${matches.length} matching lines`));
  let rows = await settled(page);
  assert.deepEqual(rows.map((r) => r[0]), matches.slice(0, rows.length));
  assertRowsAreFileLines(rows);

  // move down the matches with the keyboard, then clear: the full view keeps that line
  await page.focus('#viewport');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
  const cursorLine = Number(await page.getAttribute('#rows .row.cursor', 'data-line'));
  assert.equal(cursorLine, matches[5]);
  await page.click('#f-clear');
  rows = await settled(page);
  assert.equal(Number(await page.getAttribute('#rows .row.cursor', 'data-line')), cursorLine);
  assert.ok(rows.some((r) => r[0] === cursorLine));
  assert.ok(rows.some((r) => !r[1].includes('vhost_vdpa_dma_unmap')), 'the full view is back');
  assertRowsAreFileLines(rows);
  await page.fill('#f-family', '');
});

test('filter by an address range in a space and by device, as the index filter says', async () => {
  const c = { space: 'giova', start: '0xffff0000', last: '0xffff0fff' } as const;
  const expected = (await host.answer({ type: 'filter', id: 99, criteria: c })).at(-1)!;
  assert.equal(expected.type, 'filter');
  const lines = expected.type === 'filter' ? expected.result.lines : [];
  assert.ok(lines.length > 10);
  await page.selectOption('#f-space', 'giova');
  await page.fill('#f-range', '0xffff0000-0xffff0fff');
  await page.fill('#f-device', '00:02.0');
  await page.click('#filter button[type=submit]');
  await page.waitForFunction(() => /matching lines/.test(document.getElementById('status')?.textContent ?? ''));
  const rows = await settled(page);
  const sent = host.received.filter((m) => (m as { type: string }).type === 'filter').at(-1) as { criteria: unknown };
  assert.deepEqual(sent.criteria, { ...c, device: '00:02.0' });
  for (const [line] of rows) assert.ok(lines.includes(line), `line ${line} shown but does not touch the range`);
  assertRowsAreFileLines(rows);
  // a bad range is refused in the status, the view stays
  await page.fill('#f-range', '0x2000-banana');
  await page.click('#filter button[type=submit]');
  await page.waitForFunction(() => document.getElementById('status')?.classList.contains('error'));
  assert.match((await page.textContent('#status')) ?? '', /filter last "banana" is not a 64-bit address/);
  await page.click('#f-clear');
});

test('keyboard: arrows pick an address, Space shows its hover, Enter follows it', async () => {
  const translate = want.findIndex((t, i) => i > 30000 && t.includes('vtd_dmar_translate')) + 1;
  await page.fill('#goto-line', String(translate));
  await page.press('#goto-line', 'Enter');
  await settled(page);
  await page.focus('#viewport');
  await page.keyboard.press('ArrowRight');
  const picked = await page.textContent('#rows .row.cursor .addr.selected');
  assert.match(picked ?? '', /^0x[0-9a-f]+$/);
  await page.keyboard.press(' ');
  await page.waitForSelector('#hover:not([hidden])');
  assert.match((await page.textContent('#hover')) ?? '', /guest IOVA/);
  await page.keyboard.press('Escape');
  assert.equal(await page.isHidden('#hover'), true);
});
