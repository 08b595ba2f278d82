// IOVA Lens in a real VS Code: code-server with the packaged .vsix installed, driven through
// Chromium by Playwright as a user would drive it. One code-server serves the whole file; the
// steps run in order on the shared fixture traces and, last, against a real QEMU 7.2 guest.
// Screenshots of every step (and of every failure) land in test-artifacts/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startCodeServer } from './harness/codeServer.js';
import { openSession, type E2eSession } from './harness/session.js';
import { makeLaunchWorkspace, PROBE_C } from './harness/workspace.js';
import { UI_WAIT_MS, Workbench, waitUntil } from './harness/workbench.js';
import { eventOf, firstTranslation, gpa2hvaAnswer, linesOfEvent, listenerBatches, qemuRingGpa, mapOnLine } from './harness/expected.js';
import { hmp, qmpStatus } from './harness/guestQmp.js';
import { TraceViewerPage } from './harness/traceViewerPage.js';
import { filterToView } from './harness/matchesView.js';

const ROOT = join(__dirname, '../..');
const ARTIFACTS = join(ROOT, 'test-artifacts/e2e');
const UPDATE_DOCS = process.env.IOVA_LENS_UPDATE_DOCS === '1';
const STEP = { timeout: 90_000 };

const LEGACY = 'trace-legacy.log';
const VTD = 'trace-vtd.log';
const legacyLines = readFileSync(join(ROOT, 'samples/aliased-unmap-svq-legacy.log'), 'utf8').split('\n');
const vtdLines = readFileSync(join(ROOT, 'samples/qemu-7.2-vtd-net/trace.log'), 'utf8').split('\n');
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
// The aliased unmap: line 17 unmaps IOVA 0x1000 for the region deleted at line 15.
const UNMAP_LINE = 17;
const UNMAP_IOVA_COL = legacyLines[UNMAP_LINE - 1]!.indexOf('iova: 0x1000') + 'iova: '.length + 1;

let session: E2eSession;
let wb: Workbench;
const ATTACH_NAME = 'Attach to the test guest';

before(async () => {
  // this suite's own screenshots only: other e2e suites (first-hour/, …) write beside them, maybe at the same time
  if (existsSync(ARTIFACTS)) for (const f of readdirSync(ARTIFACTS)) if (/^\d+-.*\.png$/.test(f) || f === 'untrusted') rmSync(join(ARTIFACTS, f), { recursive: true, force: true });
  session = await openSession({ name: 'main', artifacts: ARTIFACTS, attachName: ATTACH_NAME });
  wb = session.wb;
});

after(async () => {
  await session?.dispose();
  if (session) console.log(`e2e timings (ms from start): ${JSON.stringify(Object.fromEntries(Object.entries(session.timings).map(([k, v]) => [k, Math.round(v)])))}`);
});

test('a trace-*.log opens as a QEMU trace: event names and addresses coloured apart from plain text', STEP, async () => {
  await wb.step('tokens', async () => {
    await wb.openFile(LEGACY);
    await wb.page.locator('.statusbar-item', { hasText: /^QEMU trace$/ }).waitFor({ timeout: UI_WAIT_MS });
    const line = wb.editorLine('vhost_vdpa_dma_map');
    const event = line.first().locator('span > span', { hasText: /^vhost_vdpa_dma_map$/ });
    const address = line.first().locator('span > span', { hasText: /^0x55d2c1a4e2b0$/ });
    const plain = wb.activeEditor().locator('.view-lines');
    // the grammar applies a moment after the text shows: wait for the colours to settle
    await waitUntil(async () => (await wb.color(event)) !== (await wb.color(plain)), 'the event name never took a colour of its own');
    const [e, a, p] = [await wb.color(event), await wb.color(address), await wb.color(plain)];
    assert.notEqual(e, p, 'event name coloured like plain text');
    assert.notEqual(a, p, 'hex address coloured like plain text');
    assert.notEqual(e, a, 'event name and address share a colour');
  });
});

test('the Outline lists the vDPA init and every listener batch of the trace, with its maps and unmaps', STEP, async () => {
  const init = /vhost_vdpa_init dev: (0x[0-9a-f]+)/.exec(legacyLines.find((l) => eventOf(l) === 'vhost_vdpa_init')!)![1]!;
  const batches = listenerBatches(legacyLines);
  const folders = wb.page.locator('.explorer-viewlet .pane-header').first();
  const outline = wb.page.locator('.pane', { has: wb.page.locator('.pane-header', { hasText: /^\s*Outline/i }) });
  await wb.step('outline', async () => {
    await wb.focusEditor(LEGACY);
    await wb.command('Explorer: Focus on Outline View');
    // the outline's list draws only the rows on screen: fold the folder pane above it for room
    await wb.expand(folders, false);
    const batchRows = outline.locator('.monaco-list-row', { hasText: /^\s*listener batch/ });
    await waitUntil(async () => (await batchRows.count()) === batches.length, `the Outline never showed ${batches.length} listener batches`);
    await outline.locator('.monaco-list-row', { hasText: `vDPA init ${init}` }).first().waitFor({ timeout: UI_WAIT_MS });
    // each row: the symbol's name, then its detail in the lighter description
    const texts = await batchRows.evaluateAll((rows) => rows.map((r) => `${r.querySelector('.label-name')?.textContent?.trim()} | ${r.querySelector('.label-description')?.textContent?.trim()}`));
    const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
    assert.deepEqual(texts, batches.map((b) => `listener batch | ${plural(b.maps, 'map')}, ${plural(b.unmaps, 'unmap')}`));
  });
  await wb.expand(folders);
});

test('the IOVA Lens output channel says how long activation took', STEP, async () => {
  await wb.step('activation', async () => {
    const text = await wb.outputChannelText('IOVA Lens');
    const m = /activated in (\d+) ms/.exec(text);
    assert.ok(m, `no "activated in N ms" in the IOVA Lens output channel: ${text.slice(0, 500)}`);
    console.log(`IOVA Lens ${m[0]} (its output channel, in code-server)`);
  });
  await wb.command('View: Hide Panel');
});

test('hover on the aliased unmap\'s iova explains the translation it removes and the aliasing', STEP, async () => {
  await wb.step('hover', async () => {
    await wb.goToLine(UNMAP_LINE, UNMAP_IOVA_COL);
    const iova = wb.editorLine('vhost_vdpa_dma_unmap').locator('span > span', { hasText: /^0x1000$/ });
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'removes the mapping' });
    const text = await wb.hoverUntil(iova, hover, 'no hover with the removed mapping appeared over the iova');
    // the map of line 5: IOVA [0x1000, 0x80000fff] of guest RAM GPA [0x0, 0x7fffffff]
    assert.match(text, /This line removes the mapping: IOVA \[0x1000, 0x80000fff\][^.]*GPA \[0x0, 0x7fffffff\][^.]*line 5/);
    assert.match(text, /0x1000 is not mapped in IOVA ASID 0/);
    // the problem by its headline (its message is in the hover of the event name, once)
    assert.match(text, /Problems on this line: error aliased-unmap: Unmap removed another region's mapping: IOVA \[0x1000, 0x20fff\]/);
    if (UPDATE_DOCS) {
      // the problem's text comes first in the hover; a user scrolls down to the chain
      await wb.scrollWithin(hover, hover.getByText('This line removes the mapping').first());
      await wb.shotTo(join(ROOT, 'docs/images/hover.png'), await wb.unionClip([wb.page.locator('.part.editor'), hover]));
    }
  });
  await wb.page.keyboard.press('Escape');
});

test('Problems lists the aliased unmap as an error on line 17', STEP, async () => {
  await wb.step('problems', async () => {
    await wb.command('View: Focus Problems (Errors, Warnings, Infos)');
    const row = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'aliased-unmap' });
    await row.first().waitFor({ timeout: UI_WAIT_MS });
    const text = (await row.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, /dma_unmap IOVA \[0x1000, 0x20fff\] \(ASID 0\) for the region_del of GPA \[0xfeda0000, 0xfedbffff\] removes the map of GPA \[0x0, 0x7fffffff\]/);
    assert.match(text, /Ln 17/);
    const leak = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'leak-at-end' });
    assert.match((await leak.first().innerText()).replace(/\s+/g, ' '), /IOVA \[0x2000001000, 0x2000020fff\].*Ln 13/);
    await wb.command('View: Hide Panel');
  });
});

test('go to definition (F12) on the unmap\'s iova lands on the map it removed (line 5)', STEP, async () => {
  await wb.step('definition', async () => {
    await wb.goToLine(UNMAP_LINE, UNMAP_IOVA_COL);
    await wb.page.keyboard.press('F12');
    await wb.waitForCursorLine(5);
    // line 5 is the map whose IOVA range holds the unmapped 0x1000
    const map = mapOnLine(legacyLines[4]!);
    assert.ok(map && map.iova <= 0x1000n && 0x1000n <= map.last, `line 5 is not the map of 0x1000: ${legacyLines[4]}`);
    await wb.page.locator('.tab.active', { hasText: LEGACY }).waitFor({ timeout: UI_WAIT_MS });
  });
});

test('Filter Trace to Matches… opens the trace\'s unmap lines in a view of their own; F12 on one goes to it', STEP, async () => {
  const unmaps = linesOfEvent(legacyLines, 'vhost_vdpa_dma_unmap');
  await wb.step('filter-command', async () => {
    await wb.focusEditor(LEGACY);
    await wb.goToLine(1);
    assert.deepEqual(await filterToView(wb, 'family vhost_vdpa_dma_unmap', unmaps.length), unmaps);
    await wb.goToLine(unmaps.length);
    await wb.page.keyboard.press('F12');
    await wb.page.locator('.editor-group-container.active .tab.active', { hasText: LEGACY }).waitFor({ timeout: UI_WAIT_MS });
    await wb.waitForCursorLine(unmaps.at(-1)!);
  });
});

test('VT-d capture: hover on a vtd_dmar_translate iova gives the GPA QEMU printed on that line', STEP, async () => {
  const t = firstTranslation(vtdLines);
  await wb.step('hover-vtd', async () => {
    await wb.openFile(VTD);
    await wb.goToLine(t.line, vtdLines[t.line - 1]!.indexOf(t.iova) + 1);
    const iova = wb.editorLine(vtdLines[t.line - 1]!).first().locator('span > span', { hasText: new RegExp(`^${t.iova}$`) });
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'vtd_dmar_translate' });
    const text = await wb.hoverUntil(iova, hover, `no hover over the iova ${t.iova} of line ${t.line}`);
    // the chain's hops, in order (the list numbers are CSS markers, not text)
    assert.match(text, new RegExp(`guest IOVA ${t.iova} GPA 0x${t.gpa.toString(16)}\\b.*mapped at line ${t.line}`));
  });
  await wb.page.keyboard.press('Escape');
});

test('the translation tree shows the maps as of the cursor line, and follows the cursor', STEP, async () => {
  const firstMap = mapOnLine(legacyLines[4]!)!;
  const secondMap = mapOnLine(legacyLines[8]!)!;
  const range = (m: { iova: bigint; last: bigint }): string => `[0x${m.iova.toString(16)}, 0x${m.last.toString(16)}]`;
  const rowsText = async (): Promise<string> => (await wb.treeView().locator('[role="treeitem"]').allInnerTexts()).join('\n');
  await wb.step('tree-line6', async () => {
    await wb.focusEditor(LEGACY);
    await wb.goToLine(6);
    await wb.command('IOVA Lens: Open Translation Tree');
    await wb.expectVisible(wb.treeView().locator('[role="tree"]'), 'the Translation tree panel');
    await wb.treeView().getByText(`${LEGACY} at line 6 of`).waitFor({ timeout: UI_WAIT_MS });
    // the filter opens every node on the way to a match, whatever is collapsed
    await wb.treeView().locator('#filter').fill('0x1000');
    await waitUntil(async () => (await rowsText()).includes(range(firstMap)), `the tree never showed the map of line 5 ${range(firstMap)}`);
    // the same filter for the map of line 9: once the first map is filtered away, the second
    // must not show either, since at line 6 it does not exist yet
    await wb.treeView().locator('#filter').fill(`0x${secondMap.iova.toString(16)}`);
    await waitUntil(async () => !(await rowsText()).includes(range(firstMap)), 'the filter never applied');
    assert.ok(!(await rowsText()).includes(range(secondMap)), `at line 6 the tree already shows the map of line 9 ${range(secondMap)}`);
  });
  await wb.step('tree-line10', async () => {
    await wb.focusEditor(LEGACY);
    await wb.goToLine(10);
    await wb.treeView().getByText(`${LEGACY} at line 10 of`).waitFor({ timeout: UI_WAIT_MS });
    await waitUntil(async () => (await rowsText()).includes(range(secondMap)), `after moving to line 10 the tree never showed the map of line 9 ${range(secondMap)}`);
    if (UPDATE_DOCS) await wb.shotTo(join(ROOT, 'docs/images/translation-tree.png'), wb.page.locator('.part.editor'));
  });
});

test('Trace Viewer (large files): trace-vtd.log highlighted, a translation hovered, filtered to its faults', STEP, async () => {
  const t = firstTranslation(vtdLines);
  const faults = linesOfEvent(vtdLines, 'vtd_dmar_fault');
  const lineCount = vtdLines.length - (vtdLines.at(-1) === '' ? 1 : 0);
  const viewer = await wb.step('viewer-open', async () => {
    // the command opens the active text editor's file
    await wb.page.locator('.tab', { hasText: VTD }).first().click();
    await wb.page.locator('.tab.active', { hasText: VTD }).waitFor({ timeout: UI_WAIT_MS });
    await wb.command('IOVA Lens: Open in Trace Viewer (large files)');
    const v = await TraceViewerPage.find(wb);
    // indexed: the status names the file and its line count
    await v.waitForStatus(`${VTD}: ${lineCount.toLocaleString('en')} lines`);
    return v;
  });
  await wb.step('viewer-line', async () => {
    await viewer.goToLine(t.line);
    const code = viewer.row(t.line).locator('.code');
    await waitUntil(async () => (await code.textContent()) === vtdLines[t.line - 1], `line ${t.line} never showed the fixture's text "${vtdLines[t.line - 1]}"`);
    const event = code.locator('span', { hasText: /^vtd_dmar_translate$/ });
    const iova = code.locator('span', { hasText: new RegExp(`^${t.iova}$`) });
    const [e, a, p] = [await wb.color(event), await wb.color(iova), await wb.color(code)];
    assert.notEqual(e, p, 'event name coloured like plain text');
    assert.notEqual(a, p, 'iova coloured like plain text');
    assert.notEqual(e, a, 'event name and iova share a colour');
    const card = await viewer.hover(iova, `the iova ${t.iova} of line ${t.line}`);
    assert.match(card, new RegExp(`guest IOVA ${t.iova} GPA 0x${t.gpa.toString(16)}\\b.*mapped at line ${t.line}`));
  });
  await wb.step('viewer-filter', async () => {
    await viewer.filterFamily('vtd_dmar_fault');
    await viewer.waitForStatus(`${faults.length} matching lines`);
    const rows = await viewer.shownRows();
    assert.deepEqual(rows.map((r) => r.line), faults, 'the filtered view does not show exactly the fixture\'s vtd_dmar_fault lines');
    assert.deepEqual(rows.map((r) => r.text), faults.map((n) => vtdLines[n - 1]));
  });
  await wb.command('View: Close Editor');
});

test('attach to a real QEMU guest: Variables shows the virtqueues with their rings translated as QEMU does', STEP, async () => {
  const g = await session.guest;
  // What QEMU itself says guest-physical PROBE_C.gpa is backed by, asked before the session
  // takes the QMP socket (QEMU serves one client at a time)
  const probeHex = `0x${PROBE_C.gpa.toString(16)}`;
  const backing = gpa2hvaAnswer(await hmp(g, `gpa2hva ${probeHex}`));
  const hop = new RegExp(`gpa ${probeHex} -> hva 0x${backing.hva.toString(16)}, in ${backing.region.replace(/\W/g, '\\$&')}`);
  // Attach to the running guest, then pause it from the toolbar: all vCPUs stop and show.
  await wb.step('attach', async () => {
    await wb.command('Debug: Select and Start Debugging', ATTACH_NAME);
    const toolbar = wb.page.locator('.debug-toolbar');
    await toolbar.locator('.codicon-debug-pause').waitFor({ timeout: UI_WAIT_MS });
    await toolbar.locator('.codicon-debug-pause').click();
    await toolbar.locator('.codicon-debug-continue').waitFor({ timeout: UI_WAIT_MS });
    // the frame has no source, so VS Code does not focus it by itself: a user clicks it
    const frame = wb.page.locator('.debug-call-stack .monaco-list-row', { hasText: /vCPU 0 @ 0x[0-9a-f]+/ }).first();
    await frame.click({ timeout: UI_WAIT_MS });
    // VS Code opens the first scope (the registers); fold it so the others are on screen
    await wb.expand(await wb.variable(/^Registers \(vCPU 0\)/), false);
    await wb.expand(await wb.variable(/^Virtqueues/));
    const net = await wb.variable(/^virtio-net 00:[0-9a-f]{2}\.0\b/);
    const pci = /^virtio-net (00:[0-9a-f]{2}\.0)/.exec((await net.textContent()) ?? '')![1]!;
    await wb.expand(net);
    await wb.expand(await wb.variable(/^queue 0\b/));
    const desc = (await (await wb.variable(/^desc\b/)).textContent()) ?? '';
    // "desc = giova 0x… -> gpa 0x… -> hva 0x…": the ring's GIOVA and where the vIOMMU sends it
    const m = /giova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) -> hva (0x[0-9a-f]+)/.exec(desc);
    assert.ok(m, `queue 0 desc shows "${desc}"`);
    const expected = qemuRingGpa(readFileSync(g.tracePath, 'utf8'), pci, BigInt(m[1]!));
    assert.ok(expected !== undefined, `QEMU's trace has no vtd_dmar_translate for ${pci} at ${m[1]}`);
    assert.equal(BigInt(m[2]!), expected, 'the ring translation shown equals QEMU\'s own vtd_dmar_translate');
  });
  await wb.step('console', async () => {
    const answer = await wb.evaluateInConsole(`resolve ${probeHex}`, new RegExp(`gpa ${probeHex} ->`));
    assert.match(answer, hop, `the Debug Console's resolve ${probeHex} disagrees with QEMU's gpa2hva (${backing.region} at 0x${backing.hva.toString(16)})`);
  });
  await wb.step('c-hover', async () => {
    await wb.openFile(PROBE_C.name);
    await wb.page.locator('.statusbar-item', { hasText: /^C$/ }).waitFor({ timeout: UI_WAIT_MS });
    // the C grammar splits the literal (0x, digits, suffix): hover its digits
    const literal = wb.editorLine(PROBE_C.literal).first().locator('span > span', { hasText: PROBE_C.gpa.toString(16) }).last();
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: 'IOVA Lens' });
    const text = await wb.hoverUntil(literal, hover, `no IOVA Lens hover over ${PROBE_C.literal} in ${PROBE_C.name}`);
    assert.match(text, new RegExp(`IOVA Lens — ${PROBE_C.literal} in ${ATTACH_NAME}`));
    assert.match(text, hop);
  });
  await wb.page.keyboard.press('Escape');
  await wb.step('continue-pause', async () => {
    // (QEMU serves one QMP client at a time and the session holds it: what the UI says is all
    // there is to check until the session ends)
    const toolbar = wb.page.locator('.debug-toolbar');
    const paused = wb.page.getByText('Paused on pause', { exact: true });
    await toolbar.locator('.codicon-debug-continue').click();
    await toolbar.locator('.codicon-debug-pause').waitFor({ timeout: UI_WAIT_MS });
    await toolbar.locator('.codicon-debug-pause').click();
    await toolbar.locator('.codicon-debug-continue').waitFor({ timeout: UI_WAIT_MS });
    await paused.waitFor({ timeout: UI_WAIT_MS });
  });
  await wb.step('detach', async () => {
    await wb.command('Debug: Disconnect');
    await wb.page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
    await waitUntil(async () => (await qmpStatus(g)) === 'running', 'the paused guest does not run again after the debugger detached');
  });
});

test('an untrusted workspace does not launch QEMU: VS Code asks for trust first and, declined, nothing starts', STEP, async () => {
  const name = 'Launch the test QEMU';
  const marker = join(session.tmp, 'launched');
  const ws = makeLaunchWorkspace(name, marker);
  const cs = await startCodeServer({ vsix: session.vsix, workspace: ws, workspaceTrust: true });
  const restricted = await Workbench.open(cs.url, join(ARTIFACTS, 'untrusted'), wb.browser);
  try {
    await restricted.step('restricted-mode', async () => {
      await restricted.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: UI_WAIT_MS });
    });
    await restricted.step('launch-refused', async () => {
      await restricted.command('Debug: Select and Start Debugging', name);
      const dialog = restricted.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: UI_WAIT_MS });
      const text = oneLine(await dialog.innerText());
      // VS Code's own gate: startDebugging asks for trust before any configuration provider runs
      assert.match(text, /Do you trust the authors of the files in this folder\?/);
      assert.match(text, /Debugging executes/);
      await restricted.shot('trust-dialog');
      await dialog.locator('.monaco-button', { hasText: /^Cancel$/ }).click();
      await dialog.waitFor({ state: 'hidden', timeout: UI_WAIT_MS });
      // a session that started would show its toolbar within moments
      const started = await restricted.page.locator('.debug-toolbar').waitFor({ timeout: 2000 }).then(() => true, () => false);
      assert.equal(started, false, 'a debug session started');
      assert.equal(existsSync(marker), false, 'the launch configuration\'s QEMU ran');
    });
  } finally {
    await restricted.close().catch(() => undefined);
    await cs.dispose();
    rmSync(ws, { recursive: true, force: true });
  }
});
