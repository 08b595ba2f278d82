// Outline, code lenses and inlay hints on the shipped samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentSymbols, statusText } from '../../src/server/symbols.js';
import { codeLenses } from '../../src/server/codeLens.js';
import { inlayHints } from '../../src/server/inlayHints.js';
import { STATE_AT_COMMAND } from '../../src/server/protocol.js';
import { buildTraceIndex } from '../../src/server/traceIndex.js';
import { sampleIndex, linesOf } from './fixtures.js';

const whole = { start: { line: 0, character: 0 }, end: { line: 1 << 30, character: 0 } };

test('outline of the legacy sample: init, then four listener batches with their maps and unmap', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const s = documentSymbols(idx);
  assert.deepEqual(
    s.map((x) => [x.name, x.range.start.line + 1, x.range.end.line + 1, x.detail ?? '']),
    [
      ['vDPA init 0x55d2c1c0a650', 1, 1, ''],
      ['listener batch', 4, 6, '1 map, 0 unmaps'],
      ['listener batch', 8, 10, '1 map, 0 unmaps'],
      ['listener batch', 12, 14, '1 map, 0 unmaps'],
      ['listener batch', 16, 18, '0 maps, 1 unmap'],
    ],
  );
  assert.deepEqual(s[4].children?.map((c) => [c.name, c.range.start.line + 1]), [['unmap IOVA 0x1000 size 0x20000 ASID 0', 17]]);
});

test('outline of the vtd capture: status changes only when the status changes, resets listed', () => {
  const idx = sampleIndex('qemu-7.2-vtd-net/trace.log');
  const s = documentSymbols(idx);
  const statusLines = linesOf(idx).map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('virtio_set_status'));
  const changes = s.filter((x) => x.name.startsWith('virtio '));
  assert.ok(changes.length > 0 && changes.length < statusLines.length / 4, `${changes.length} of ${statusLines.length}`);
  // consecutive entries of one device never repeat a status
  for (let i = 1; i < changes.length; i++) if (changes[i].name.split(' ')[1] === changes[i - 1].name.split(' ')[1]) assert.notEqual(changes[i].name, changes[i - 1].name);
  assert.ok(changes.some((c) => c.name.includes('DRIVER_OK')), 'the driver came up');
  assert.equal(s.filter((x) => x.name === 'VT-d context cache reset').length, linesOf(idx).filter((l) => l.startsWith('vtd_context_cache_reset')).length);
});

test('virtio status bits read as the spec names them', () => {
  assert.equal(statusText(0), '0 (reset)');
  assert.equal(statusText(0xf), '0xf (ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK)');
  assert.equal(statusText(0x80), '0x80 (FAILED)');
});

test('code lenses: one per outline entry, saying what it opens; a batch opens the state at its commit', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const lenses = codeLenses(idx);
  const symbols = documentSymbols(idx);
  assert.equal(lenses.length, symbols.length);
  assert.ok(lenses.length < idx.lineCount / 2, `${lenses.length} lenses in ${idx.lineCount} lines`);
  // the fixture's batches: begin_batch … commit; each lens sits on the begin and opens the commit
  const begins = linesOf(idx).flatMap((l, i) => (l.includes('listener_begin_batch') ? [i + 1] : []));
  const commits = linesOf(idx).flatMap((l, i) => (l.includes('listener_commit') ? [i + 1] : []));
  const batchLenses = lenses.filter((l) => /after this batch/.test(l.command!.title));
  assert.deepEqual(batchLenses.map((l) => l.range.start.line + 1), begins);
  assert.deepEqual(batchLenses.map((l) => l.command!.arguments), commits.map((c) => [idx.uri, c]));
  assert.equal(batchLenses[0]!.command!.title, `$(type-hierarchy) Translation tree after this batch (line ${commits[0]})`);
  assert.ok(lenses.every((l) => l.command!.command === STATE_AT_COMMAND));
});

test('inlay hints: none unless enabled; then the next hop after each address', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  assert.deepEqual(inlayHints(idx, whole, { enabled: false }), []);
  const hints = inlayHints(idx, whole, { enabled: true });
  const on = (line: number) => hints.filter((h) => h.position.line === line - 1).map((h) => [linesOf(idx)[line - 1].slice(0, h.position.character).split(' ').pop(), h.label]);
  // the map of line 5 prints both ends (iova 0x1000, uaddr 0x7f7903e00000): no hint repeats them
  assert.deepEqual(on(5), []);
  // the region_add of line 3 prints GPA 0x0 and its HVA 0x7f7903e00000: nothing to add
  assert.deepEqual(on(3), []);
  // the unmap removed it: the hint says where it went before
  assert.deepEqual(on(17), [['0x1000', 'was → HVA 0x7f7903e00000']]);
  assert.equal(inlayHints(idx, whole, { enabled: true, max: 3 }).length, 3);
});

test('inlay hints: a VT-d translation\'s printed gpa is not repeated; a later fault inside the page gets the GPA with its offset', () => {
  const idx = buildTraceIndex('u', 'vtd_dmar_translate dev 00:02.00 iova 0xffffb000 -> gpa 0x14783000 mask 0xfff\nvtd_dmar_fault sid 0x10 fault 6 addr 0xffffb123 write 0\n');
  const h = inlayHints(idx, whole, { enabled: true });
  assert.deepEqual(h.filter((x) => x.position.line === 0), []);
  assert.deepEqual(h.filter((x) => x.position.line === 1).map((x) => x.label), ['→ GPA 0x14783123']);
});

test('a trace of many maps: the outline stops at its limit with an entry saying where; no code lens on it', () => {
  const maps = Array.from({ length: 30 }, (_, i) => `vhost_vdpa_dma_map vdpa_shared:0x55d0 fd: 16 msg_type: 2 asid: 0 iova: 0x${(0x1000 * (i + 1)).toString(16)} size: 0x1000 uaddr: 0x7f0000001000 perm: 0x3 type: 2`);
  const text = ['vhost_vdpa_init dev: 0x55d0, common dev: 0x55e0 vdpa: 0x7f00', 'vhost_vdpa_listener_begin_batch vdpa_shared:0x55d0 fd: 16 msg_type: 2 type: 5', ...maps, 'vhost_vdpa_listener_commit vdpa_shared:0x55d0 fd: 16 msg_type: 2 type: 6'].join('\n');
  const idx = buildTraceIndex('file:///many.qtrace', text);
  assert.equal(documentSymbols(idx, 1000).flatMap((s) => [s, ...(s.children ?? [])]).length, 32, 'under the limit: every entry');
  const s = documentSymbols(idx, 10);
  const all = s.flatMap((x) => [x, ...(x.children ?? [])]);
  // init, the batch and 8 of its maps, then the stop
  assert.equal(all.length, 11);
  const stop = s[s.length - 1];
  assert.match(stop.name, /^Outline stops here: 10 entries$/);
  assert.equal(stop.range.start.line + 1, 11);
  assert.match(stop.detail ?? '', /line 11 of 33/);
  assert.equal(s[1].detail, '8 maps, 0 unmaps');
  const lenses = codeLenses(idx, s);
  assert.equal(lenses.length, 2);
  assert.ok(lenses.every((l) => l.range.start.line + 1 < 11));
});
