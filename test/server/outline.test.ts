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
