// Outline, code lenses and inlay hints on the shipped samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentSymbols, statusText } from '../../src/server/symbols.js';
import { codeLenses } from '../../src/server/codeLens.js';
import { inlayHints } from '../../src/server/inlayHints.js';
import { STATE_AT_COMMAND } from '../../src/server/protocol.js';
import { buildTraceIndex } from '../../src/server/traceIndex.js';
import { sampleIndex } from './fixtures.js';

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
  const statusLines = idx.lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('virtio_set_status'));
  const changes = s.filter((x) => x.name.startsWith('virtio '));
  assert.ok(changes.length > 0 && changes.length < statusLines.length / 4, `${changes.length} of ${statusLines.length}`);
  // consecutive entries of one device never repeat a status
  for (let i = 1; i < changes.length; i++) if (changes[i].name.split(' ')[1] === changes[i - 1].name.split(' ')[1]) assert.notEqual(changes[i].name, changes[i - 1].name);
  assert.ok(changes.some((c) => c.name.includes('DRIVER_OK')), 'the driver came up');
  assert.equal(s.filter((x) => x.name === 'VT-d context cache reset').length, idx.lines.filter((l) => l.startsWith('vtd_context_cache_reset')).length);
});

test('virtio status bits read as the spec names them', () => {
  assert.equal(statusText(0), '0 (reset)');
  assert.equal(statusText(0xf), '0xf (ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK)');
  assert.equal(statusText(0x80), '0x80 (FAILED)');
});

test('code lenses: "state here" on every map, unmap, region add/del line, with uri and 1-based line', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const lenses = codeLenses(idx);
  assert.deepEqual(lenses.map((l) => l.range.start.line + 1), [3, 5, 7, 9, 11, 13, 15, 17]);
  assert.deepEqual(lenses[7].command, { title: 'state here', command: STATE_AT_COMMAND, arguments: [idx.uri, 17] });
});

test('inlay hints: none unless enabled; then the next hop after each address', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  assert.deepEqual(inlayHints(idx, whole, { enabled: false }), []);
  const hints = inlayHints(idx, whole, { enabled: true });
  const on = (line: number) => hints.filter((h) => h.position.line === line - 1).map((h) => [idx.lines[line - 1].slice(0, h.position.character).split(' ').pop(), h.label]);
  // the map of line 5: IOVA 0x1000 goes to HVA 0x7f7903e00000; its uaddr back to GPA 0x0
  assert.deepEqual(on(5), [
    ['0x1000', '→ HVA 0x7f7903e00000'],
    ['0x7f7903e00000', '→ IOVA 0x1000'],
  ]);
  // the unmap removed it: the hint says where it went before
  assert.deepEqual(on(17), [['0x1000', 'was → HVA 0x7f7903e00000']]);
  assert.equal(inlayHints(idx, whole, { enabled: true, max: 3 }).length, 3);
});

test('inlay hints: a VT-d translation shows the GPA with the page offset', () => {
  const idx = buildTraceIndex('u', 'vtd_dmar_translate dev 00:02.00 iova 0xffffb000 -> gpa 0x14783000 mask 0xfff\n');
  const h = inlayHints(idx, whole, { enabled: true });
  assert.equal(h[0].label, '→ GPA 0x14783000');
});
