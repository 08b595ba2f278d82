// The first hour in a real VS Code (code-server + the packaged .vsix, driven through Chromium):
// a QEMU trace named *.log opened by double-click in the Explorer is a QEMU trace by its content
// (colour, hover, Problems) while a build log stays a Log; the Problems row is a one-line
// headline; the hover on a diagnostic line holds the message once, the chain first; Check Trace
// leaves one copy of each problem, and a closed file's copies give way when it opens.
// Screenshots land in test-artifacts/e2e/first-hour/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSession, type E2eSession } from './harness/session.js';
import { UI_WAIT_MS, Workbench, waitUntil } from './harness/workbench.js';
import { linesOfEvent } from './harness/expected.js';
import { filterToView } from './harness/matchesView.js';

const ROOT = join(__dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/e2e/first-hour');
const STEP = { timeout: 120_000 };

// a trace whose name no filename pattern knows: only its content says it is a trace
const RUN_LOG = 'vdpa-run.log';
const VTD_TXT = 'vtd-capture.txt';
const BUILD_LOG = 'build.log';
const legacy = readFileSync(join(ROOT, 'samples/aliased-unmap-svq-legacy.log'), 'utf8').split('\n');
const vtd = readFileSync(join(ROOT, 'samples/qemu-7.2-vtd-net/trace.log'), 'utf8').split('\n');
const UNMAP_LINE = linesOfEvent(legacy, 'vhost_vdpa_dma_unmap')[0]!;
const UNMAP_IOVA_COL = legacy[UNMAP_LINE - 1]!.indexOf('iova: ') + 'iova: '.length + 1;
const FAULT_LINES = linesOfEvent(vtd, 'vtd_dmar_fault');

let session: E2eSession;
let wb: Workbench;

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  session = await openSession({
    name: 'first',
    artifacts: ARTIFACTS,
    prepare: (workspace) => {
      copyFileSync(join(ROOT, 'samples/aliased-unmap-svq-legacy.log'), join(workspace, RUN_LOG));
      copyFileSync(join(ROOT, 'samples/qemu-7.2-vtd-net/trace.log'), join(workspace, VTD_TXT));
      writeFileSync(join(workspace, BUILD_LOG), 'make[1]: Entering directory /src/qemu/build\n  CC      hw/virtio/vhost-vdpa.o\n  LINK    qemu-system-x86_64\nmake[1]: Leaving directory /src/qemu/build\n');
    },
  });
  wb = session.wb;
});

after(async () => {
  await session?.dispose();
});

const explorerRow = (name: string) => wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
const languageItem = (name: RegExp) => wb.page.locator('.statusbar-item', { hasText: name });
const problemRows = (code: string) => wb.page.locator('.markers-panel .monaco-list-row', { hasText: code });

async function doubleClick(name: string): Promise<void> {
  await explorerRow(name).dblclick();
  await wb.page.locator('.tab.active', { hasText: name }).waitFor({ timeout: UI_WAIT_MS });
  await wb.activeEditor().locator('.view-lines .view-line').first().waitFor({ timeout: UI_WAIT_MS });
}

test('a .log trace opened by double-click is a QEMU trace: colour, hover, Problems headline', STEP, async () => {
  await wb.step('log-trace-colour', async () => {
    await doubleClick(RUN_LOG);
    await languageItem(/^QEMU trace$/).waitFor({ timeout: UI_WAIT_MS });
    const event = wb.editorLine('vhost_vdpa_dma_map').first().locator('span > span', { hasText: /^vhost_vdpa_dma_map$/ });
    const plain = wb.activeEditor().locator('.view-lines');
    await waitUntil(async () => (await wb.color(event)) !== (await wb.color(plain)), 'the event name of the .log trace never took a colour');
  });
  await wb.step('log-trace-hover', async () => {
    await wb.goToLine(UNMAP_LINE, UNMAP_IOVA_COL);
    const iova = wb.editorLine('vhost_vdpa_dma_unmap').locator('span > span', { hasText: /^0x1000$/ });
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'removes the mapping' });
    const text = await wb.hoverUntil(iova, hover, 'no hover over the iova of the .log trace');
    // on an address: its chain first, the problem named by its headline, its message not repeated
    assert.match(text, /^IOVA 0x1000 — field iova of vhost_vdpa_dma_unmap/);
    assert.match(text, /This line removes the mapping: IOVA \[0x1000, 0x80000fff\]/);
    assert.match(text, /Problems on this line: error aliased-unmap: Unmap removed another region's mapping: IOVA \[0x1000, 0x20fff\]/);
    assert.ok(text.indexOf('As of line') < text.indexOf('Problems on this line'), 'the chain does not come first');
    assert.doesNotMatch(text, /it should have been this region's own map/);
  });
  await wb.page.keyboard.press('Escape');
  await wb.step('log-trace-hover-event', async () => {
    // on the event name (where the squiggle is): the problem's message, exactly once
    const name = wb.editorLine('vhost_vdpa_dma_unmap').locator('span > span', { hasText: /^vhost_vdpa_dma_unmap$/ });
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'should have been' });
    const text = await wb.hoverUntil(name, hover, 'no hover with the problem over the event name');
    assert.equal(text.split("it should have been this region's own map").length - 1, 1, `the message is not there exactly once: ${text}`);
    assert.match(text, /^Unmap removed another region's mapping: IOVA \[0x1000, 0x20fff\] dma_unmap IOVA/);
  });
  await wb.page.keyboard.press('Escape');
  await wb.step('log-trace-problems', async () => {
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    const row = problemRows('aliased-unmap').first();
    await row.waitFor({ timeout: UI_WAIT_MS });
    const text = (await row.innerText()).replace(/\s+/g, ' ');
    // the row is the headline; the detail is under it
    assert.match(text, /^Unmap removed another region's mapping: IOVA \[0x1000, 0x20fff\]/);
    assert.match(text, /Ln 17/);
  });
});

test('Filter Trace to Matches… with a bare address: every line touching it in any space, kept in a view with the original line numbers', STEP, async () => {
  await wb.step('filter-bare-address', async () => {
    await wb.focusEditor(RUN_LOG);
    // the fixture's lines with 0x1000 inside an IOVA range they print (dma_map/unmap iova+size)
    // or a GPA range (region_add/del iova..llend)
    const touching = legacy.flatMap((l, i) => {
      const map = /iova: (0x[0-9a-f]+) size: (0x[0-9a-f]+)/.exec(l);
      const region = /region_(?:add|del) .* iova (0x[0-9a-f]+) llend (0x[0-9a-f]+)/.exec(l);
      const r = map ? [BigInt(map[1]!), BigInt(map[1]!) + BigInt(map[2]!) - 1n] : region ? [BigInt(region[1]!), BigInt(region[2]!) - 1n] : undefined;
      return r && r[0]! <= 0x1000n && 0x1000n <= r[1]! ? [i + 1] : [];
    });
    assert.ok(touching.length >= 3);
    assert.deepEqual(await filterToView(wb, '0x1000', touching.length), touching);
    // Ctrl+click on an original line number: the trace's own editor (the first group) shows that line
    const target = touching.at(-1)!;
    await wb.activeEditor().locator('.detected-link', { hasText: new RegExp(`^\\s*${target}$`) }).first().click({ modifiers: ['Control'] });
    await wb.page.locator('.editor-group-container.active .tab.active', { hasText: RUN_LOG }).waitFor({ timeout: UI_WAIT_MS });
    await wb.waitForCursorLine(target);
    // the view stays beside it
    await wb.page.locator('.tab', { hasText: '0x1000' }).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await wb.page.locator(`.tab[data-resource-name="${RUN_LOG}"]`).count(), 1, 'the link opened a second copy of the trace');
  });
  await wb.command('View: Close All Editors');
});

test('a build log stays a Log', STEP, async () => {
  await wb.step('build-log', async () => {
    await doubleClick(BUILD_LOG);
    await languageItem(/^Log$/).waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await languageItem(/^QEMU trace$/).count(), 0);
  });
});

test('Open as QEMU Trace on a file that is no trace: it says so in Problems, and the choice survives a reload', STEP, async () => {
  await wb.step('open-as-trace-remembered', async () => {
    await doubleClick(BUILD_LOG);
    await wb.command('IOVA Lens: Open as QEMU Trace');
    await languageItem(/^QEMU trace$/).waitFor({ timeout: UI_WAIT_MS });
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    await problemRows('no-trace-events').first().waitFor({ timeout: UI_WAIT_MS });
    assert.match((await problemRows('no-trace-events').first().innerText()).replace(/\s+/g, ' '), /^No QEMU trace event in this file/);
    // a new window session: the document opens again from disk, as Log by its name, then as
    // the QEMU trace the user chose
    await wb.page.reload();
    await wb.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await wb.command('View: Close All Editors');
    await doubleClick(BUILD_LOG);
    await languageItem(/^QEMU trace$/).waitFor({ timeout: UI_WAIT_MS });
  });
  await wb.command('View: Close All Editors');
});

test('Check Trace on the open trace leaves one copy of each problem', STEP, async () => {
  await wb.step('check-open-trace', async () => {
    await doubleClick(RUN_LOG);
    await wb.command('IOVA Lens: Check Trace');
    await wb.page.locator('.notifications-toasts', { hasText: /finding\(s\) in 18 lines/ }).first().waitFor({ timeout: UI_WAIT_MS });
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    await problemRows('aliased-unmap').first().waitFor({ timeout: UI_WAIT_MS });
    assert.equal(await problemRows('aliased-unmap').count(), 1, 'aliased-unmap listed more than once');
    assert.equal(await problemRows('leak-at-end').count(), 1, 'leak-at-end listed more than once');
  });
});

test('Check Trace on a closed .txt capture: its problems, once each, still once after it opens', STEP, async () => {
  await wb.step('check-closed-trace', async () => {
    await wb.command('View: Close All Editors');
    await explorerRow(VTD_TXT).click({ button: 'right' });
    // the menu takes a click once it has settled: click until it closes
    const item = wb.page.locator('.context-view .action-label', { hasText: /^Check Trace$/ });
    await waitUntil(async () => {
      if (await item.isVisible()) await item.click({ timeout: 2000 }).catch(() => undefined);
      return !(await item.isVisible());
    }, 'the Explorer context menu never ran Check Trace');
    await wb.page.locator('.notifications-toasts', { hasText: new RegExp(`finding\\(s\\) in ${vtd.length - 1} lines`) }).first().waitFor({ timeout: UI_WAIT_MS });
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    await waitUntil(async () => (await problemRows('dma-fault').count()) === FAULT_LINES.length, `Problems never listed the ${FAULT_LINES.length} dma-fault lines once each`);
  });
  await wb.step('closed-trace-opened', async () => {
    await doubleClick(VTD_TXT);
    await languageItem(/^QEMU trace$/).waitFor({ timeout: UI_WAIT_MS });
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    // the server's entries replace the check's: never both
    await waitUntil(async () => (await problemRows('dma-fault').count()) === FAULT_LINES.length, 'dma-fault rows are not one per fault after opening');
    const texts = await problemRows('dma-fault').allInnerTexts();
    assert.ok(texts.every((t) => /^DMA fault: guest IOVA 0x[0-9a-f]+/.test(t.trim())), texts.join('\n'));
  });
});

// last: the sample's own problems stay in Problems while VS Code keeps its document
test('the samples ship in the .vsix: Open a Sample Trace opens one as a QEMU trace', STEP, async () => {
  await wb.step('open-sample', async () => {
    await wb.command('IOVA Lens: Open a Sample Trace', 'qemu-7.2-vtd-net/trace.log');
    await wb.page.locator('.tab.active', { hasText: 'trace.log' }).waitFor({ timeout: UI_WAIT_MS });
    await languageItem(/^QEMU trace$/).waitFor({ timeout: UI_WAIT_MS });
    // the sample's own first line, from inside the installed extension
    await wb.editorLine(vtd[1]!.trim()).first().waitFor({ timeout: UI_WAIT_MS });
  });
  await wb.command('View: Close All Editors');
});
