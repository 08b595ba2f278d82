import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VtdIotlb, VTD_IOTLB_MAX_SIZE } from '../../../src/model/viommu/vtdIotlb.js';
import { VtdModel } from '../../../src/model/viommu/vtdModel.js';
import { SyntheticGuest } from './syntheticVtd.js';

// Two devices in domain 1 (00:03.0, 00:04.0) and one in domain 2 (00:05.0).
function setup() {
  const g = new SyntheticGuest();
  const t3 = g.setContext({ bus: 0, devfn: 3 << 3, aw: 1, did: 1 });
  const t4 = g.setContext({ bus: 0, devfn: 4 << 3, aw: 1, did: 1 });
  const t5 = g.setContext({ bus: 0, devfn: 5 << 3, aw: 1, did: 2 });
  const leaf3 = g.map(t3, 3, 0x1000n, 0x10_0000_0000n >> 4n);
  g.map(t3, 3, 0x4000n, 0x2_0000n);
  g.map(t4, 3, 0x1000n, 0x3_0000n);
  g.map(t5, 3, 0x1000n, 0x4_0000n);
  const model = new VtdModel({ rtaddr: g.rootTable, pages: g.memory.read });
  for (const [d, iova] of [['00:03.0', 0x1000n], ['00:03.0', 0x4000n], ['00:04.0', 0x1000n], ['00:05.0', 0x1000n]] as const) {
    const r = model.dmaTranslate(d, iova);
    assert.ok(r.ok && !('cached' in r), `first DMA of ${d} ${iova} walks`);
  }
  return { g, model, leaf3 };
}

const gpaOf = (model: VtdModel, d: string, iova: bigint): bigint => {
  const r = model.translate(d, iova);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.gpa;
};

test('the IOTLB keeps serving a translation the guest changed until it is invalidated (PSI)', () => {
  const { g, model, leaf3 } = setup();
  assert.equal(model.iotlb.size, 4);
  g.write64(leaf3, 0x9_9000n | 3n);
  assert.equal(gpaOf(model, '00:03.0', 0x1010n), 0x1_0000_0010n, 'stale cached translation wins over memory');
  const again = model.dmaTranslate('00:03.0', 0x1000n);
  assert.ok(again.ok && 'cached' in again);
  model.invalidatePages(3, 0x1000n, 0); // a domain no device uses: no effect
  assert.equal(gpaOf(model, '00:03.0', 0x1010n), 0x1_0000_0010n);
  model.invalidatePages(1, 0x1000n, 0);
  assert.equal(gpaOf(model, '00:03.0', 0x1010n), 0x9_9010n, 'after PSI the walk sees the new PTE');
  // PSI hit both domain-1 devices' entries for that page, nothing else
  assert.deepEqual(model.iotlb.all().map((e) => [e.sid, e.gfn]).sort(), [[0x18, 4n], [0x28, 1n]]);
});

test('PSI with am covers [addr, addr + (4096 << am) - 1] only', () => {
  const { model } = setup();
  model.invalidatePages(1, 0x0n, 2); // 0x0..0x3fff: the 0x1000 pages of domain 1, not 0x4000
  assert.deepEqual(model.iotlb.all().map((e) => [e.sid, e.gfn]).sort(), [[0x18, 4n], [0x28, 1n]]);
  model.invalidatePages(1, 0x4000n, 0);
  assert.deepEqual(model.iotlb.all().map((e) => e.sid), [0x28]);
  assert.throws(() => model.iotlb.invalidatePages(1, 0n, 19), /am 19 outside 0\.\.18/);
});

test('DSI drops one domain; global drops everything', () => {
  const { model } = setup();
  model.invalidateDomain(1);
  assert.deepEqual(model.iotlb.all().map((e) => e.domainId), [2]);
  const { model: m2 } = setup();
  m2.invalidateGlobal();
  assert.equal(m2.iotlb.size, 0);
});

test('a 4 KiB PSI inside a cached 2 MiB page drops that superpage entry', () => {
  const tlb = new VtdIotlb();
  tlb.update(0x18, 0x20_0000n, { domainId: 1, slpte: 0x4000_0000n | 0x83n, perm: 3, level: 2 });
  const hit = tlb.lookup(0x18, 0x21_2345n);
  assert.ok(hit);
  assert.deepEqual([hit.iova, hit.gpa, hit.addrMask], [0x20_0000n, 0x4001_2345n, 0x1f_ffffn]);
  assert.equal(tlb.invalidatePages(1, 0x30_0000n, 0).length, 1);
  assert.equal(tlb.lookup(0x18, 0x21_2345n), undefined);
});

test('the IOTLB is dropped whole when it reaches 1024 entries, as QEMU does', () => {
  const tlb = new VtdIotlb();
  for (let i = 0; i < VTD_IOTLB_MAX_SIZE; i++) tlb.update(0x18, BigInt(i) << 12n, { domainId: 1, slpte: 0x5000n | 3n, perm: 3, level: 1 });
  assert.equal(tlb.size, VTD_IOTLB_MAX_SIZE);
  tlb.update(0x18, 0x1000_0000n, { domainId: 1, slpte: 0x5000n | 3n, perm: 3, level: 1 });
  assert.equal(tlb.size, 1);
  assert.equal(tlb.overflowResets, 1);
});

test('translate() answers bad input and unknown devices with reasons instead of throwing', () => {
  const model = new VtdModel();
  const bad = model.translate('zz:1', 0x1000n);
  assert.ok(!bad.ok);
  assert.match(bad.reason, /not a PCI device id/);
  const none = model.translate('00:02.0', 0x1000n);
  assert.ok(!none.ok);
  assert.match(none.reason, /no VT-d translation known for 00:02\.0 IOVA 0x1000/);
});
