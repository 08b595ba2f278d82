// The surfaces around the translation tree in a real VS Code (code-server + the packaged .vsix,
// driven through Chromium like vscode.integration.test.ts): the tree follows the Trace Viewer's
// selected row on a trace too large for VS Code's editor and opens beside it; on small traces it
// follows whichever surface was active; Resolve Address… starts from the address under the
// cursor; and, attached to a real QEMU 7.2 guest, the memory view opens on a VT-d page and on a
// guest RAM range as a hex dump of exactly that range. Screenshots in test-artifacts/e2e/surfaces/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator } from 'playwright-core';
import { openSession, type E2eSession } from './harness/session.js';
import { UI_WAIT_MS, Workbench, waitUntil } from './harness/workbench.js';
import { firstTranslation } from './harness/expected.js';
import { TraceViewerPage } from './harness/traceViewerPage.js';

const ROOT = join(__dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/e2e/surfaces');
const STEP = { timeout: 120_000 };

const LEGACY = 'trace-legacy.log';
const VTD = 'trace-vtd.log';
const BIG = 'trace-big.log';
const vtdText = readFileSync(join(ROOT, 'samples/qemu-7.2-vtd-net/trace.log'), 'utf8');
const vtdLines = vtdText.split('\n');
const VTD_LINES = vtdLines.length - (vtdLines.at(-1) === '' ? 1 : 0);
// Past VS Code's 50 MB limit for extensions: the editor never hands this file to the extension,
// only the Trace Viewer reads it. Copies of the real VT-d trace, one after the other.
const COPIES = Math.ceil((52 * 1024 * 1024) / Buffer.byteLength(vtdText));
const BIG_LINES = COPIES * VTD_LINES;
const legacyLines = readFileSync(join(ROOT, 'samples/aliased-unmap-svq-legacy.log'), 'utf8').split('\n');

let session: E2eSession;
let wb: Workbench;
const ATTACH_NAME = 'Attach to the test guest';

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  session = await openSession({
    name: 'surfaces',
    artifacts: ARTIFACTS,
    attachName: ATTACH_NAME,
    prepare: (workspace) => {
      const fd = openSync(join(workspace, BIG), 'w');
      try {
        for (let i = 0; i < COPIES; i++) writeSync(fd, vtdText);
      } finally {
        closeSync(fd);
      }
    },
  });
  wb = session.wb;
});

after(async () => {
  await session?.dispose();
});

/** The translation tree's page (a webview: found by its tree list). */
const treeFrame = (): Promise<Frame> => wb.webviewFrame('ul#tree', 'the translation tree');

async function treeTitle(f: Frame): Promise<string> {
  return ((await f.locator('h1.title').textContent()) ?? '').trim();
}

async function waitForTitle(text: string): Promise<Frame> {
  let f = await treeFrame();
  await waitUntil(async () => {
    f = await treeFrame();
    return (await treeTitle(f)) === text;
  }, `the translation tree never said "${text}"`);
  return f;
}

/** Waits until the workbench knows the extension (its commands are in the palette), without running one. */
async function extensionKnown(): Promise<void> {
  const input = wb.page.locator('.quick-input-widget input.input');
  const row = wb.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'IOVA Lens: Open in Trace Viewer' });
  await waitUntil(async () => {
    await wb.page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 2000 });
    await input.fill('>IOVA Lens: Open in Trace Viewer');
    const ok = await row.first().waitFor({ timeout: 2000 }).then(() => true, () => false);
    await wb.page.keyboard.press('Escape');
    return ok;
  }, 'the workbench never offered IOVA Lens commands: the extension did not load');
}

/** The editor group (column) a tab is in, counted from the left. */
async function groupOf(tabText: string | RegExp): Promise<number> {
  const groups = wb.page.locator('.editor-group-container');
  const n = await groups.count();
  for (let i = 0; i < n; i++) if ((await groups.nth(i).locator('.tab', { hasText: tabText }).count()) > 0) return i;
  throw new Error(`no editor group holds a tab "${String(tabText)}"`);
}

test('on a trace past VS Code\'s limits, the Translation Tree opens beside the Trace Viewer and follows its selected row', STEP, async () => {
  const t = firstTranslation(vtdLines);
  const viewer = await wb.step('big-viewer', async () => {
    await extensionKnown();
    // Explorer → right click → Open With… → the Trace Viewer (VS Code would not hand this file to
    // an extension as text)
    const row = wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: BIG }).first();
    await row.click({ button: 'right' });
    // the context menu may take the first click while it is still settling: click again until
    // the editor picker shows
    const openWith = wb.page.locator('.monaco-menu .action-label', { hasText: /^Open With/ }).first();
    const choice = wb.quickRow('IOVA Lens Trace Viewer (large traces)');
    await waitUntil(async () => {
      if (await choice.isVisible()) return true;
      if (await openWith.isVisible()) await openWith.click({ timeout: 2000 }).catch(() => undefined);
      else await row.click({ button: 'right', timeout: 2000 }).catch(() => undefined);
      return choice.waitFor({ timeout: 2000 }).then(() => true, () => false);
    }, 'Open With… never offered the IOVA Lens Trace Viewer');
    await choice.click();
    const v = await TraceViewerPage.find(wb);
    await v.waitForStatus(`${BIG}: ${BIG_LINES.toLocaleString('en')} lines`);
    return v;
  });
  await wb.step('big-tree-beside', async () => {
    await viewer.goToLine(t.line);
    await wb.command('IOVA Lens: Open Translation Tree');
    const f = await waitForTitle(`${BIG} at line ${t.line} of ${BIG_LINES}`);
    // beside the viewer, not over it
    assert.notEqual(await groupOf('Translation tree'), await groupOf(BIG), 'the tree opened in the Trace Viewer\'s editor group');
    // the state at the selected row: the page QEMU translated on that very line is mapped
    const page = `0x${(BigInt(t.iova) & ~0xfffn).toString(16)}`;
    await f.locator('#filter').fill(page);
    const rows = f.locator('[role="treeitem"]');
    await waitUntil(async () => (await rows.allInnerTexts()).some((r) => r.includes(`0x${(t.gpa & ~0xfffn).toString(16)}`)), `the tree at line ${t.line} never showed guest IOVA ${page} → GPA 0x${(t.gpa & ~0xfffn).toString(16)}`);
  });
  await wb.step('big-tree-follows', async () => {
    // a row of the second copy: the viewer's cursor moves, the tree follows (time travel)
    const later = VTD_LINES + t.line;
    await viewer.goToLine(later);
    await waitForTitle(`${BIG} at line ${later} of ${BIG_LINES}`);
  });
});

test('on small traces the tree follows the active surface: the text editor\'s cursor, or the viewer\'s row when the viewer is active', STEP, async () => {
  await wb.step('small-editor', async () => {
    await wb.openFile(VTD);
    await wb.goToLine(10);
    // the count is the file's lines, not VS Code's line after the final newline
    await waitForTitle(`${VTD} at line 10 of ${VTD_LINES}`);
  });
  await wb.step('small-back-to-viewer', async () => {
    await wb.page.locator('.tab', { hasText: BIG }).first().click();
    await waitForTitle(`${BIG} at line ${VTD_LINES + firstTranslation(vtdLines).line} of ${BIG_LINES}`);
  });
});

test('Resolve Address… starts from the address under the cursor and shows its chain in the tree beside the editor', STEP, async () => {
  const line = 17;
  const col = legacyLines[line - 1]!.indexOf('iova: 0x1000') + 'iova: 0x'.length + 1;
  await wb.step('resolve-prefilled', async () => {
    await wb.openFile(LEGACY);
    await wb.goToLine(line, col);
    await wb.startCommand('IOVA Lens: Resolve Address…');
    const input = wb.page.locator('.quick-input-widget input.input');
    await waitUntil(async () => (await input.inputValue()) === '0x1000', 'the Resolve Address box did not start with the address under the cursor (0x1000)');
    await wb.page.keyboard.press('Enter');
    await wb.pick('Every space');
    const f = await waitForTitle(`${LEGACY} at line ${line} of ${legacyLines.length - 1}`);
    await waitUntil(async () => (await f.locator('#resolve-addr').inputValue()) === '0x1000', 'the tree\'s resolve box does not show the address resolved');
    await f.locator('.node.on-chain').first().waitFor({ timeout: UI_WAIT_MS });
    assert.notEqual(await groupOf('Translation tree'), await groupOf(LEGACY), 'the tree opened over the editor');
  });
  await wb.step('resolve-space-syntax', async () => {
    // the memory view's spelling: gpa:ADDR names the space; the chain replaces the last one
    const f = await treeFrame();
    await f.locator('#resolve-addr').fill('gpa:0xfeda0000');
    await f.locator('.resolve-form button[type=submit]').click();
    await waitUntil(async () => ((await f.locator('.resolve-result').textContent()) ?? '').includes('Resolved gpa 0xfeda0000'), 'gpa:0xfeda0000 was not resolved as a GPA');
    assert.equal(await f.locator('#resolve-space').inputValue(), 'gpa');
  });
});

test('attached to a real guest: Variables fill after Pause, and the memory view opens on a VT-d page and a guest RAM range as a hex dump', STEP, async () => {
  await session.guest;
  await wb.step('live-pause', async () => {
    await wb.command('Debug: Select and Start Debugging', ATTACH_NAME);
    const toolbar = wb.page.locator('.debug-toolbar');
    await toolbar.locator('.codicon-debug-pause').waitFor({ timeout: UI_WAIT_MS });
    // the console's first line says how to start
    await wb.command('Debug Console: Focus on Debug Console View');
    await wb.page.locator('.repl .monaco-list-row', { hasText: 'type "help" here' }).first().waitFor({ timeout: UI_WAIT_MS });
    await toolbar.locator('.codicon-debug-pause').click();
    await toolbar.locator('.codicon-debug-continue').waitFor({ timeout: UI_WAIT_MS });
    // no click on the vCPU frame: VS Code focuses it and Variables show its scopes
    await wb.variable(/^Registers \(vCPU 0\)/);
  });
  const openRow = async (row: Locator): Promise<void> => {
    await row.waitFor({ timeout: UI_WAIT_MS });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.twistie').click();
  };
  await wb.step('live-vtd-page', async () => {
    await wb.command('IOVA Lens: Open Translation Tree');
    let f = await treeFrame();
    await waitUntil(async () => {
      f = await treeFrame();
      return (await treeTitle(f)).startsWith(`${ATTACH_NAME} — stopped at`);
    }, 'the tree never showed the live session');
    await f.locator('#filter').fill('');
    await openRow(f.locator('[data-id="viommu"]'));
    await openRow(f.locator('[role="treeitem"][aria-level="2"][data-id^="viommu/"]').first());
    await openRow(f.locator('[role="treeitem"][aria-level="3"][data-id^="viommu/"]').first());
    const pageRow = f.locator('[role="treeitem"][aria-level="4"][data-id^="viommu/"]').first();
    await pageRow.waitFor({ timeout: UI_WAIT_MS });
    const page = ((await pageRow.locator('.label').textContent()) ?? '').trim();
    assert.match(page, /^0x[0-9a-f]+000$/);
    await pageRow.locator('.label').click();
    const tab = wb.page.locator('.tab', { hasText: new RegExp(`giova_.*_${page}\\.hexdump`) });
    await tab.first().waitFor({ timeout: UI_WAIT_MS });
    const editor = wb.page.locator('.editor-group-container', { has: wb.page.locator('.tab.active', { hasText: `${page}.hexdump` }) }).locator('.monaco-editor .view-lines');
    await waitUntil(async () => /: 4 KiB, read when the vCPUs stopped \(pause\)/.test((await editor.first().innerText()).replace(/\u00a0/g, ' ')), 'the VT-d page view does not say it holds the 4 KiB page');
    const text = (await editor.first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, new RegExp(`^${page.slice(2).padStart(8, '0')}  ([0-9a-f]{2} ){8} ([0-9a-f]{2} ){7}[0-9a-f]{2}  \\|.{16}\\|$`, 'm'), 'no hex row at the page\'s first address');
    // exactly the page: 3 header lines, 256 rows of 16 bytes, the final newline
    await editor.first().click();
    await wb.page.keyboard.press('Control+End');
    await wb.waitForCursorLine(260);
  });
  await wb.step('live-gpa-range', async () => {
    // (the tree is on screen in its group; the debug toolbar may float over its tab)
    const f = await treeFrame();
    await openRow(f.locator('[data-id="mem"]'));
    const ram = f.locator('[role="treeitem"][aria-level="2"][data-id^="mem/"]').first();
    await ram.waitFor({ timeout: UI_WAIT_MS });
    await ram.locator('.label').click();
    const editor = wb.page.locator('.editor-group-container', { has: wb.page.locator('.tab.active', { hasText: /^gpa_.*\.hexdump/ }) }).locator('.monaco-editor .view-lines');
    await waitUntil(async () => /^# gpa:0x[0-9a-f]+: /.test((await editor.first().innerText().catch(() => '')).replace(/\u00a0/g, ' ')), 'the guest RAM range did not open as a hex dump');
    const text = (await editor.first().innerText()).replace(/\u00a0/g, ' ');
    assert.match(text, /^[0-9a-f]{8,16} {2}([0-9a-f]{2} ){8} ([0-9a-f]{2} ){7}[0-9a-f]{2} {2}\|.{16}\|$/m);
    // VS Code's "binary file" prompt never shows
    assert.equal(await wb.page.getByText('The file is not displayed in the text editor because it is either binary').count(), 0);
  });
  await wb.step('live-detach', async () => {
    await wb.command('Debug: Disconnect');
    await wb.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
  });
});
