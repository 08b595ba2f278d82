// The vhost-vdpa diagnostics, one positive and one clean fixture each (test/fixtures/traces,
// described in its README). Expected lines, addresses and related lines come from reading the
// fixture with QEMU's semantics (qemu-semantics §4, §5.2, §9), not from running the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, brief, fixture, only, relatedLines } from './fixtures.js';

test('aliased-unmap (QEMU 8.x text): the alias region_del that unmaps IOVA 0x1000 is an error naming both maps', async () => {
  const diags = (await analyze(fixture('aliased-unmap-qemu8.log'))).diagnostics();
  // the alias's own map (line 13) is never unmapped: a leak the user sees at its map line
  assert.deepEqual(brief(diags), ['leak-at-end warning 13', 'aliased-unmap error 17']);
  const d = only(diags, 'aliased-unmap');
  assert.match(d.message, /IOVA \[0x1000, 0x20fff\]/, 'the range QEMU really unmapped');
  assert.match(d.message, /GPA \[0xfeda0000, 0xfedbffff\]/, 'the section being deleted');
  assert.match(d.message, /IOVA \[0x1000, 0x80000fff\]/, 'the low-RAM map the kernel drops whole');
  assert.match(d.message, /0x100001000/, 'the IOVA it should have unmapped');
  assert.match(d.message, /HVA \[0x7f7903ea0000, 0x7f7903ebffff\] lies inside \[0x7f7903e00000, 0x7f7983dfffff\]/);
  assert.deepEqual(relatedLines(d), [15, 11, 5, 13]);
});

test('aliased-unmap clean (QEMU 8.x): the alias unmapped at its own IOVA gives no diagnostic at all', async () => {
  const engine = await analyze(fixture('aliased-unmap-qemu8-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  const s = engine.summary();
  assert.equal(s.malformed, 0);
  assert.equal(s.unknownEvents, 0);
  assert.deepEqual(s.vdpaDevices, [{ key: '0x55e0f1b7c8a0', asids: [0], svq: true }]);
});

test('unmap-unmapped (vDPA): an INVALIDATE for a section whose map is already gone is a warning', async () => {
  const diags = (await analyze(fixture('unmap-unmapped-vdpa.log'))).diagnostics();
  assert.deepEqual(brief(diags), ['unmap-unmapped warning 15']);
  assert.match(diags[0].message, /IOVA \[0x100000000, 0x13fffffff\]/);
  assert.deepEqual(relatedLines(diags[0]), [13], 'points at its region_del');
});

test('unmap-unmapped clean: one region_del, one unmap that removes the map', async () => {
  const engine = await analyze(fixture('unmap-unmapped-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  const live = engine.stateAt(12).find((t) => t.table.kind === 'iotlb')!.mappings;
  assert.deepEqual(live.map((m) => [m.start, m.last]), [[0n, 0x7fffffffn]], 'only low RAM stays mapped');
});

test('map-overlap: guest RAM over CVQ buffers in the same ASID 0 is refused (EEXIST) and not applied', async () => {
  const engine = await analyze(fixture('map-overlap.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['map-overlap error 10']);
  assert.match(diags[0].message, /IOVA \[0x0, 0x7fffffff\] \(ASID 0\) overlaps the live map \[0x1000, 0x1fff\]/);
  assert.match(diags[0].message, /EEXIST/);
  assert.deepEqual(relatedLines(diags[0]), [4, 5, 6, 7], 'every CVQ map it collides with');
  // the refused map is not in the device IOTLB: GPA 0x10000 has no IOVA after line 10
  const r = engine.resolve('iova', 0x10000n, 14, { asid: 0 });
  assert.ok(r.error, 'IOVA 0x10000 must not resolve: the kernel refused that map');
});

test('map-overlap clean: the same IOVAs in ASID 0 (guest RAM) and ASID 1 (CVQ) do not overlap', async () => {
  const engine = await analyze(fixture('map-overlap-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  const r0 = engine.resolve('iova', 0x1800n, 14, { asid: 0 });
  const r1 = engine.resolve('iova', 0x1800n, 14, { asid: 1 });
  assert.equal(r0.hops[1]?.addr, 0x7f7903e01800n, 'ASID 0: guest RAM at GPA 0x1800');
  assert.equal(r1.hops[1]?.addr, 0x7f3c90000800n, 'ASID 1: the CVQ command buffer');
});

test('partial-unmap (vDPA): a 4 KiB unmap inside a 2 MiB map is a warning; QEMU\'s map is gone, its rest is orphaned', async () => {
  const engine = await analyze(fixture('partial-unmap-vdpa.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['partial-unmap warning 6']);
  assert.match(diags[0].message, /IOVA \[0xfff00000, 0xfff00fff\]/);
  assert.match(diags[0].message, /\[0xffe00000, 0xffffffff\]/);
  assert.match(diags[0].message, /the other 0x1ff000 bytes may stay mapped, orphaned/);
  assert.deepEqual(relatedLines(diags[0]), [4]);
  assert.ok(engine.resolve('iova', 0xffe00000n, 6, { asid: 0 }).error, 'the untouched first page is no live map any more: QEMU forgot it (§9.10)');
  assert.ok(!engine.resolve('iova', 0xffe00000n, 5, { asid: 0 }).error, 'and was mapped the line before');
  const orphans = engine.stateAt(6).find((t) => t.table.kind === 'iotlb-orphan')?.mappings.map((m) => [m.start, m.last, m.target]);
  assert.deepEqual(orphans, [[0xffe00000n, 0xffefffffn, 0x7f7933e00000n], [0xfff01000n, 0xffffffffn, 0x7f7933f01000n]], 'the two rests, possibly still mapped');
});

test('partial-unmap clean: oversized unmaps that cover whole maps are normal', async () => {
  assert.deepEqual(brief((await analyze(fixture('partial-unmap-clean.log'))).diagnostics()), []);
});

test('iova-out-of-range: a map below the device range first (0x1000) is an error pointing at the range line', async () => {
  const engine = await analyze(fixture('iova-out-of-range.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['iova-out-of-range error 5']);
  assert.match(diags[0].message, /IOVA \[0x0, 0x9ffff\]/);
  assert.match(diags[0].message, /\[0x1000, 0xffffffffff\]/);
  assert.deepEqual(relatedLines(diags[0]), [2]);
  assert.ok(engine.resolve('iova', 0x5000n, 6, { asid: 0 }).error, 'the refused map is not applied');
});

test('iova-out-of-range clean: maps starting at first and ending exactly at last are accepted', async () => {
  const engine = await analyze(fixture('iova-out-of-range-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  const live = engine.stateAt(8).find((t) => t.table.kind === 'iotlb')!.mappings;
  assert.deepEqual(live.map((m) => [m.start, m.last]), [[0x1000n, 0x1fffn], [0x100000n, 0x7fffffffn], [0xfffffff000n, 0xffffffffffn]]);
});

test('map-failed: "failed to write … errno=17" right after an overlapping map names both maps', async () => {
  const diags = (await analyze(fixture('map-failed-eexist.log'))).diagnostics();
  assert.deepEqual(brief(diags), ['map-overlap error 6', 'map-failed error 7']);
  const d = only(diags, 'map-failed');
  assert.match(d.message, /IOVA \[0xffe00000, 0xffffffff\]/);
  assert.match(d.message, /errno 17/);
  assert.match(d.message, /\[0xfffff000, 0xffffffff\]/);
  assert.deepEqual(relatedLines(d), [6, 4]);
});

test('map-failed: errno=22 after an out-of-range map is explained by the range; follow-up errors are not repeated', async () => {
  const diags = (await analyze(fixture('map-failed-range.log'))).diagnostics();
  assert.deepEqual(brief(diags), ['iova-out-of-range error 5', 'map-failed error 6']);
  const d = only(diags, 'map-failed');
  assert.match(d.message, /errno 22/);
  assert.match(d.message, /outside the device IOVA range \[0x1000, 0xffffffffff\]/);
  assert.deepEqual(relatedLines(d), [5]);
});

test('map-failed clean: unrelated QEMU stderr lines around good maps raise nothing', async () => {
  const engine = await analyze(fixture('map-failed-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  assert.equal(engine.summary().lines, 8);
  assert.equal(engine.summary().events, 6, 'the two qemu-system-x86_64 lines are text, not events');
});

test('map-failed is not blamed on a good map when the failing write is the unmap after it: errno 14 explained by the missing ASID', async () => {
  const { analyzeTraceText } = await import('../../../src/trace/analyze.js');
  const S = '0x5581a3c4e2b0';
  const text = [
    `vhost_vdpa_init dev: 0x5581a3d0a650, common dev: ${S} vdpa: 0x7f3c968d7190`,
    `vhost_vdpa_dma_map vdpa_shared:${S} fd: 16 msg_type: 2 asid: 0 iova: 0xfffff000 size: 0x1000 uaddr: 0x7f7904245000 perm: 0x3 type: 2`,
    `vhost_vdpa_dma_unmap vdpa_shared:${S} fd: 16 msg_type: 2 asid: 1 iova: 0xffe00000 size: 0x200000 type: 3`,
    'qemu-system-x86_64: failed to write, fd=16, errno=14 (Bad address)',
  ].join('\n');
  const engine = analyzeTraceText(text);
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['unmap-unmapped warning 3', 'map-failed error 4']);
  assert.match(only(diags, 'map-failed').message, /^dma_unmap of IOVA \[0xffe00000, 0xffffffff\] \(ASID 1\) at line 3 failed \(errno 14: .*\): ASID 1 of vdpa 0x5581a3c4e2b0 was never created/);
  assert.ok(!engine.resolve('iova', 0xfffff000n, 4, { asid: 0 }).error, 'the map on line 2 stands');
});
