// The translation tree webview in a real Chromium, under its real CSP, fed the view of a real
// trace: sections and mappings show, the keyboard walks the tree, the filter hides, the resolve
// box asks and highlights the chain, trace text stays text, strips draw one rect per mapping,
// and a reload with the saved state comes back as the user left it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { resolveRequest, stateAt } from '../../src/server/requests.js';
import type { TranslationView, ViewNode } from '../../src/shared/translationView.js';
import { viewFromState, viewResolution } from '../../src/shared/viewFromTrace.js';
import { sampleIndex } from '../server/fixtures.js';
import { sampleSnapshot } from '../debug/sampleSnapshot.js';
import { closeAllPeers } from '../qemu/fakePeers.js';
import { buildLiveView } from '../../src/debug/liveView.js';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { liveSource } from '../../src/model/liveSource.js';
import { resolve } from '../../src/model/resolve.js';
import { encodeResolveAnswer } from '../../src/shared/protocol/resolveWire.js';
import { cspViolations, ensureBundle, focusedId, launchChromium, openTree, posted, rowIds, savedState, send, serveTree, type TreeServer } from './treePage.js';

const XSS = '<img src=x onerror=alert(1)>';
const idx = sampleIndex('aliased-unmap-svq-legacy.log');
// line 14: the SMRAM alias section and its IOVA map are both live
const LINE = 14;
const view: TranslationView = viewFromState(stateAt(idx, LINE), { uri: idx.uri, line: LINE, lines: idx.lineCount });
// a device name as hostile as trace text can get
view.sections[0].children![0].label = XSS;

const all = (nodes: ViewNode[]): ViewNode[] => nodes.flatMap((n) => [n, ...all(n.children ?? [])]);
const nodes = all(view.sections);
const byId = new Map(nodes.map((n) => [n.id, n]));

let browser: Browser;
let server: TreeServer;
let page: Page;
const dialogs: string[] = [];
// the live snapshot of the live-resolve test is taken against recorded QMP/gdbstub peers
after(closeAllPeers);

before(async () => {
  ensureBundle();
  browser = await launchChromium();
  server = await serveTree();
  page = await openTree(browser, server.origin);
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  await send(page, { type: 'view', view });
  await page.waitForSelector('[role="treeitem"]');
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the page runs under its CSP: ready first, style sheet applied, inline script refused', async () => {
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(csp!, /^default-src 'none'; script-src 'nonce-[^']+'; style-src http:\/\/127\.0\.0\.1:\d+ 'nonce-[^']+'; img-src /);
  assert.deepEqual((await posted(page))[0], { type: 'ready' });
  await page.evaluate(() => document.documentElement.style.setProperty('--vscode-foreground', 'rgb(1, 2, 3)'));
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).color), 'rgb(1, 2, 3)', 'tree.css is loaded and uses the theme variables');
  assert.deepEqual(await cspViolations(page), []);
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.appendChild(s);
  });
  assert.equal(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan), undefined);
  assert.ok((await cspViolations(page)).some((v) => v.startsWith('script-src')));
});

test('the tree shows the sections, devices and (once opened) the mappings of the trace', async () => {
  const labels = await page.$$eval('[role="treeitem"][aria-level="1"] .label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(labels, ['Guest memory', 'IOVA trees', 'vIOMMU', 'Device IOTLB', 'Virtqueues']);
  assert.equal(await page.getAttribute('[role="tree"]', 'role'), 'tree');
  assert.match((await page.textContent('h1'))!, /aliased-unmap-svq-legacy\.log at line 14 of 18/);
  // open everything through the page's own "show node" path: resolve-free, click the strip segments
  for (const seg of view.strips.flatMap((s) => s.segments)) await page.click(`rect.seg[data-node-id="${seg.nodeId}"]`);
  const shown = new Set(await rowIds(page));
  for (const m of nodes.filter((n) => n.createdLine !== undefined)) assert.ok(shown.has(m.id), `mapping ${m.label} (line ${m.createdLine}) is on screen`);
  const row = page.locator(`[data-id="${view.strips[1].segments[0].nodeId}"]`);
  assert.match((await row.textContent())!, /^IOVA \[0x1000, 0x80000fff\]rw→ HVA 0x7f7903e00000 · 2 GiB · line 5/);
});

test('trace text is text: a hostile label shows literally and makes no element', async () => {
  assert.equal(await page.locator('img').count(), 0);
  const texts = await page.$$eval('[role="treeitem"] .label', (els) => els.map((e) => e.textContent));
  assert.ok(texts.includes(XSS));
  assert.deepEqual(dialogs, []);
});

test('keyboard: arrows move the focus, Right opens, Left goes back and closes, Enter reveals the line', async () => {
  // start from a collapsed tree
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('[role="treeitem"][data-id="iova"]').focus();
  if ((await page.getAttribute('[data-id="iova"]', 'aria-expanded')) === 'true') await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('[data-id="iova"]', 'aria-expanded'), 'false');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('[data-id="iova"]', 'aria-expanded'), 'true');
  await page.keyboard.press('ArrowRight');
  const dev = view.sections[1].children![0];
  assert.equal(await focusedId(page), dev.id);
  if ((await page.getAttribute(`[data-id="${dev.id}"]`, 'aria-expanded')) === 'false') {
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.getAttribute(`[data-id="${dev.id}"]`, 'aria-expanded'), 'true');
    assert.equal(await focusedId(page), dev.id, 'opening keeps the focus');
  }
  await page.keyboard.press('ArrowDown');
  assert.equal(await focusedId(page), dev.children![0].id, 'ASID 0 follows its device');
  const asid = dev.children![0].id;
  if ((await page.getAttribute(`[data-id="${asid}"]`, 'aria-expanded')) === 'true') {
    await page.keyboard.press('ArrowLeft');
    assert.equal(await page.getAttribute(`[data-id="${asid}"]`, 'aria-expanded'), 'false', 'Left closes an open node first');
    assert.equal(await focusedId(page), asid);
  }
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focusedId(page), dev.id, 'Left on a closed node goes to its parent');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focusedId(page), 'iova');
  // focus is visible: the focused row is outlined
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle), 'none');
  assert.equal(await page.getAttribute('[data-id="iova"]', 'tabindex'), '0');
  // Enter on a mapping asks the extension to reveal its creating line
  const map = view.strips[1].segments[2];
  await page.click(`rect.seg[data-node-id="${map.nodeId}"]`);
  assert.equal(await focusedId(page), map.nodeId, 'a strip segment brings its node on screen and focuses it');
  await page.keyboard.press('Enter');
  assert.deepEqual((await posted(page)).at(-1), { type: 'revealLine', line: byId.get(map.nodeId)!.createdLine });
  await page.locator('[data-id="iova"]').focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.getAttribute('[data-id="iova"]', 'aria-expanded'), 'false');
  assert.ok(!(await rowIds(page)).includes(dev.id), 'closing hides the children');
});

test('filter: typing hides what does not match; ancestors of matches stay', async () => {
  await page.fill('#filter', 'feda');
  await page.waitForFunction(() => !document.querySelector('[data-id="viommu"]'));
  const shown = await rowIds(page);
  const matching = nodes.filter((n) => [n.label, n.detail, n.owner].some((t) => t?.toLowerCase().includes('feda')));
  for (const m of matching) assert.ok(shown.includes(m.id), `${m.label} matches`);
  for (const id of shown) {
    const n = byId.get(id)!;
    const self = matching.includes(n);
    const above = matching.some((m) => m.id.startsWith(n.id + '/'));
    assert.ok(self || above, `${n.label} is shown only as a match or an ancestor of one`);
  }
  assert.ok(!shown.includes(view.strips[1].segments[0].nodeId), 'IOVA [0x1000, …] does not match');
});

test('resolve: the box posts the query, the resolution highlights the chain in tree and strips', async () => {
  await page.fill('#filter', '');
  await page.waitForSelector('[data-id="viommu"]');
  await page.fill('#resolve-addr', '0x2000001010');
  await page.selectOption('#resolve-space', 'iova');
  await page.click('.resolve-form button[type="submit"]');
  assert.deepEqual((await posted(page)).at(-1), { type: 'resolve', query: { addr: '0x2000001010', space: 'iova' } });
  const r = viewResolution('0x2000001010', resolveRequest(idx, { uri: idx.uri, space: 'iova', addr: '0x2000001010', line: LINE, asid: 0 }), view);
  await send(page, { type: 'resolution', resolution: r });
  await page.waitForSelector('.node.on-chain');
  const want = new Set(r.chains.flat().map((h) => h.nodeId!));
  assert.ok(want.size >= 2);
  const lit = await page.$$eval('.node.on-chain', (els) => els.map((e) => (e as HTMLElement).dataset.id));
  assert.deepEqual(new Set(lit), want);
  const litSegs = await page.$$eval('rect.seg.on-chain', (els) => els.map((e) => e.getAttribute('data-node-id')));
  assert.deepEqual(new Set(litSegs), want);
  const hops = await page.$$eval('.chain:first-of-type li', (els) => els.map((e) => e.textContent));
  assert.deepEqual(hops.map((h) => h!.split(' (')[0]), r.chains[0].map((h) => `${h.space === 'giova' ? 'guest IOVA' : h.space.toUpperCase()} ${h.addr}`));
});

test('resolve in a live session: the adapter\'s answer highlights the live chain (the memory-map node that maps it)', async () => {
  const snap = await sampleSnapshot(false);
  const live = buildLiveView(snap, { sessionId: 's1', name: 'QEMU 7.2', stoppedAt: 'pause' });
  const ram = snap.memory.regions.find((r) => r.kind === 'ram' && r.hva !== null && r.last - r.start > 0x2000n)!;
  const gpa = ram.start + 0x1234n;
  // what the adapter sends for iovaLens/resolve gpa: the model's answer over QEMU's region, on the wire
  const map = new GuestMemoryMap({ regions: [{ start: ram.start, last: ram.last, name: ram.name, offsetInRegion: 0n, kind: 'ram', readonly: false, hva: ram.hva! }] });
  const wire = encodeResolveAnswer(resolve('gpa', gpa, { live: liveSource(map) }));
  const r = viewResolution(`gpa 0x${gpa.toString(16)}`, wire, live);
  await send(page, { type: 'view', view: live });
  await page.waitForSelector('.node');
  await send(page, { type: 'resolution', resolution: r });
  await page.waitForSelector('.node.on-chain');
  const want = new Set(r.chains.flat().map((h) => h.nodeId!).filter(Boolean));
  assert.equal(want.size, 1, JSON.stringify(r));
  assert.deepEqual(new Set(await page.$$eval('.node.on-chain', (els) => els.map((e) => (e as HTMLElement).dataset.id))), want);
  const hops = await page.$$eval('.chain:first-of-type li', (els) => els.map((e) => e.textContent));
  assert.deepEqual(hops.map((h) => h!.split(' (')[0]), [`GPA 0x${gpa.toString(16)}`, `HVA 0x${(ram.hva! + 0x1234n).toString(16)}`]);
  await send(page, { type: 'view', view });
});

test('strips: one rect per mapped segment, holes drawn apart, titled with exact ranges', async () => {
  for (const s of view.strips) {
    const svg = page.locator(`svg[data-strip-id="${s.id}"]`);
    assert.equal(await svg.locator('rect').count(), s.segments.length, s.title);
    assert.equal(await svg.locator('rect.seg').count(), s.segments.length);
    assert.ok((await svg.locator('path.hole').count()) > 0, 'holes are visible');
    for (const seg of s.segments) assert.ok((await svg.locator(`rect.seg[data-node-id="${seg.nodeId}"] title`).textContent())!.startsWith(seg.label));
  }
  await page.selectOption('#strip-scale', 'log');
  assert.match((await page.textContent('.legend'))!, /Log scale/);
});

test('time travel: the line box posts goToLine; the view of the new line replaces the tree; a click reveals a line', async () => {
  await page.fill('#scrub-line', '17');
  await page.press('#scrub-line', 'Enter');
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'goToLine'));
  assert.ok((await posted(page)).some((m) => m.type === 'goToLine' && m.line === 17));
  const at17 = viewFromState(stateAt(idx, 17), { uri: idx.uri, line: 17, lines: idx.lineCount });
  const gone = view.strips[1].segments[0].nodeId;
  assert.ok(!all(at17.sections).some((n) => n.id === gone), 'line 17 unmaps IOVA 0x1000');
  await send(page, { type: 'view', view: at17 });
  await page.waitForFunction(() => /at line 17 of 18/.test(document.querySelector('h1')?.textContent ?? ''));
  assert.equal(await page.inputValue('#scrub-range'), '17');
  assert.ok(!(await rowIds(page)).includes(gone));
  const kept = at17.strips[1].segments[0].nodeId;
  assert.ok((await rowIds(page)).includes(kept), 'the surviving mappings stay open: their ids did not change');
  await page.click(`[data-id="${kept}"] .label`);
  assert.ok((await posted(page)).some((m) => m.type === 'revealLine' && m.line === byId.get(kept)!.createdLine));
  await send(page, { type: 'view', view });
});

test('a malformed message shows an error and leaves the tree working', async () => {
  await send(page, { type: 'view', view: { ...view, sections: 'nope' } });
  await page.waitForSelector('.error-line:not([hidden])');
  assert.match((await page.textContent('.error-line'))!, /Ignored a message from the extension: malformed message: message\.view\.sections: expected an array/);
  assert.ok((await rowIds(page)).length > 5);
});

test('reload: expansion, filter, resolve query and scale come back from the saved state', async () => {
  // no filter first (the count beside the box empties once the tree is drawn without one), then
  // ours: the count comes back once the tree is drawn with it
  await page.fill('#filter', '');
  await page.waitForFunction(() => document.querySelector('.filter-count')?.textContent === '');
  await page.fill('#filter', '0x7f');
  await page.waitForFunction(() => /^\d+ shown$/.test(document.querySelector('.filter-count')?.textContent ?? ''));
  assert.ok((await rowIds(page)).length > 0);
  const before = await rowIds(page);
  // whatever the earlier tests left in the resolve box is what a reload must bring back
  const resolveAddr = await page.inputValue('#resolve-addr');
  const resolveSpace = await page.inputValue('#resolve-space');
  assert.notEqual(resolveAddr, '', 'an earlier test resolved an address');
  const expandedBefore = await page.$$eval('[aria-expanded="true"]', (els) => els.map((e) => (e as HTMLElement).dataset.id));
  await theme(page);
  await send(page, { type: 'view', view });
  mkdirSync('test-artifacts', { recursive: true });
  await page.screenshot({ path: 'test-artifacts/webview-tree.png', fullPage: true });
  const state = await savedState(page);
  const again = await openTree(browser, server.origin, state);
  try {
    await again.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    await send(again, { type: 'view', view });
    await again.waitForSelector('[role="treeitem"]');
    assert.equal(await again.inputValue('#filter'), '0x7f');
    assert.equal(await again.inputValue('#resolve-addr'), resolveAddr);
    assert.equal(await again.inputValue('#resolve-space'), resolveSpace);
    assert.equal(await again.inputValue('#strip-scale'), 'log');
    assert.deepEqual(await rowIds(again), before);
    assert.deepEqual(await again.$$eval('[aria-expanded="true"]', (els) => els.map((e) => (e as HTMLElement).dataset.id)), expandedBefore);
  } finally {
    await again.close();
  }
});

/** A dark theme's variables, as VS Code sets them on the webview's html element. */
async function theme(p: Page): Promise<void> {
  await p.evaluate(() => {
    const vars: Record<string, string> = {
      '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1e1e1e', '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-focusBorder': '#0078d4', '--vscode-button-background': '#0e639c', '--vscode-button-foreground': '#ffffff',
      '--vscode-input-background': '#3c3c3c', '--vscode-input-foreground': '#cccccc', '--vscode-list-hoverBackground': '#2a2d2e',
      '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-list-inactiveSelectionBackground': '#37373d',
      '--vscode-editor-findMatchHighlightBackground': '#623315', '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616',
      '--vscode-badge-background': '#616161', '--vscode-badge-foreground': '#ffffff', '--vscode-errorForeground': '#f48771',
      '--vscode-textLink-foreground': '#3794ff', '--vscode-panel-border': '#444444', '--vscode-font-family': 'sans-serif', '--vscode-editor-font-family': 'monospace',
    };
    for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
  });
}
