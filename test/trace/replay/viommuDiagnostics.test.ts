// vIOMMU-side diagnostics: VT-d DMA faults explained by the invalidation that removed the page,
// virtio-iommu UNMAP semantics (S_RANGE on a split), and vIOMMU-wide unmaps that cover nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, brief, fixture, lineOf, relatedLines } from './fixtures.js';

test('dma-fault: a fault on a page after its PSI names the invalidation line; a fault at 0x4 is "never mapped"', async () => {
  const engine = await analyze(fixture('dma-fault.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['dma-fault error 11', 'dma-fault error 13']);
  const [stale, never] = diags;
  assert.match(lineOf(fixture('dma-fault.log'), 9), /vtd_inv_desc_iotlb_pages .* addr 0xffeb8000 mask 0x0/);
  assert.match(stale.message, /00:02\.0 at guest IOVA 0xffeb8040/);
  assert.match(stale.message, /GPA 0x147a8000/);
  assert.match(stale.message, /line 9/);
  assert.equal(stale.related[0].line, 9, 'first related line is the invalidation');
  assert.ok(relatedLines(stale).includes(3) || relatedLines(stale).includes(7), 'and a line where the page was translated');
  assert.match(never.message, /guest IOVA 0x4 /);
  assert.match(never.message, /never mapped/);
  assert.equal(engine.summary().unknownEvents, 0, 'vtd_iotlb_cc_hit and vtd_frr_new are known events');
});

test('dma-fault clean: translations, PSI, re-translation, DSI without a fault raise nothing', async () => {
  const engine = await analyze(fixture('dma-fault-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  // the page re-translated after the PSI went to a new GPA; the DSI on the last line ends it
  const r = engine.resolve('giova', 0xffeb8040n, 11, { device: '00:02.0' });
  assert.equal(r.hops[1]?.addr, 0x14790040n);
  assert.ok(engine.resolve('giova', 0xffeb8040n, 14, { device: '00:02.0' }).error, 'nothing survives the domain invalidation');
});

test('partial-unmap (virtio-iommu): an UNMAP that splits a mapping is an error (S_RANGE) and the mapping stays', async () => {
  const engine = await analyze(fixture('partial-unmap-virtio-iommu.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['partial-unmap error 3']);
  assert.match(diags[0].message, /\[0x100000, 0x100fff\]/);
  assert.match(diags[0].message, /\[0x100000, 0x1fffff\]/);
  assert.match(diags[0].message, /VIRTIO_IOMMU_S_RANGE/);
  assert.deepEqual(relatedLines(diags[0]), [2]);
  const table = engine.stateAt(3).find((t) => t.table.kind === 'virtio-iommu')!;
  assert.deepEqual(table.mappings.map((m) => [m.start, m.last, m.target]), [[0x100000n, 0x1fffffn, 0x40000000n]]);
});

test('unmap-unmapped (vIOMMU): a domain-wide unmap and a virtio-iommu UNMAP of nothing are info, not problems', async () => {
  const engine = await analyze(fixture('unmap-unmapped-viommu.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['unmap-unmapped info 9', 'unmap-unmapped info 11']);
  assert.match(diags[0].message, /IOVA \[0x0, 0x7fffffffff\]/);
  assert.match(diags[1].message, /\[0x100000, 0x1fffff\] in domain 1/);
  // the 2 MiB PSI unmap on line 7 covered the 4 KiB map whole: it is gone, without a warning
  const page = engine.timeline.records.find((r) => r.start === 0xfffff000n)!;
  assert.deepEqual([page.createdLine, page.removedLine], [5, 7]);
});

test('vIOMMU section teardown (QEMU 8.x): region_del of the full space unmaps two 2^63 halves; the empty half is info only', async () => {
  const engine = await analyze(fixture('viommu-section-del.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['unmap-unmapped info 8']);
  assert.match(diags[0].message, /IOVA \[0x8000000000000000, 0xffffffffffffffff\]/);
  assert.deepEqual(relatedLines(diags[0]), [5], 'its region_del');
  const page = engine.timeline.records.find((r) => r.start === 0xfffff000n)!;
  assert.deepEqual([page.createdLine, page.removedLine, page.removedBy], [4, 7, 'dma_unmap'], 'the first half removes the page');
});
