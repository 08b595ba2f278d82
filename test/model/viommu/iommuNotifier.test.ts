import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alignedPow2Mask,
  IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
  IOMMU_NOTIFIER_IOTLB_EVENTS,
  IOMMU_NOTIFIER_MAP,
  IOMMU_NOTIFIER_UNMAP,
  makeNotifier,
  notifyOne,
  type IommuEventType,
} from '../../../src/model/viommu/iommuNotifier.js';
import { VfioType1Container } from '../../../src/model/viommu/vfioType1.js';
import { VtdAddressSpace } from '../../../src/model/viommu/vtdAddressSpace.js';
import { VtdModel } from '../../../src/model/viommu/vtdModel.js';
import { deviceIotlbRange, deviotlbNotify } from '../../../src/model/viommu/vtdInvalidation.js';
import { U64_MAX } from '../../../src/model/u64.js';
import { SyntheticGuest } from './syntheticVtd.js';

const ev = (type: IommuEventType, iova: bigint, addrMask: bigint, perm: 0 | 1 | 2 | 3 = 0) => ({ type, entry: { iova, addrMask, translatedAddr: 0n, perm } });

test('DEVIOTLB notifiers get events cropped to their range (qemu-semantics §9 item 9)', () => {
  const n = makeNotifier('vhost dev-iotlb', IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0n, 0xffff_ffffn);
  const all = notifyOne(n, ev(IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0n, U64_MAX), 'assert');
  assert.equal(all.kind, 'delivered');
  assert.ok(all.kind === 'delivered');
  assert.deepEqual([all.entry.iova, all.entry.addrMask, all.cropped], [0n, 0xffff_ffffn, true]);
  const half = notifyOne(n, ev(IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0x8000_0000n, 0xffff_ffffn), 'assert');
  assert.ok(half.kind === 'delivered');
  assert.deepEqual([half.entry.iova, half.entry.addrMask], [0x8000_0000n, 0x7fff_ffffn]);
});

test('MAP/UNMAP notifiers: a partly-outside event is QEMU abort in assert mode and cropped in crop mode', () => {
  const n = makeNotifier('vfio', IOMMU_NOTIFIER_IOTLB_EVENTS, 0n, 0xffff_ffffn);
  const e = ev(IOMMU_NOTIFIER_UNMAP, 0x8000_0000n, 0xffff_ffffn);
  const a = notifyOne(n, e, 'assert');
  assert.equal(a.kind, 'abort');
  assert.ok(a.kind === 'abort');
  assert.match(a.reason, /^QEMU would abort: UNMAP 0x80000000\.\.0x17fffffff is partly outside notifier vfio \[0x0, 0xffffffff\]/);
  const c = notifyOne(n, e, 'crop');
  assert.ok(c.kind === 'delivered');
  assert.deepEqual([c.entry.iova, c.entry.addrMask], [0x8000_0000n, 0x7fff_ffffn]);
  // the assert comes before the flag filter: a MAP-only notifier dies on an UNMAP too
  const mapOnly = makeNotifier('map-only', IOMMU_NOTIFIER_MAP, 0n, 0xffff_ffffn);
  assert.equal(notifyOne(mapOnly, e, 'assert').kind, 'abort');
});

test('inside, outside, flag filter, UNMAP perm assert and iommu_offset', () => {
  const n = makeNotifier('vhost', IOMMU_NOTIFIER_UNMAP, 0x1000n, 0x1fffn, 0x10_0000n);
  const inside = notifyOne(n, ev(IOMMU_NOTIFIER_UNMAP, 0x1000n, 0xfffn), 'assert');
  assert.ok(inside.kind === 'delivered');
  assert.equal(inside.cropped, false);
  assert.equal(inside.consumerIova, 0x10_1000n);
  assert.deepEqual(notifyOne(n, ev(IOMMU_NOTIFIER_UNMAP, 0x2000n, 0xfffn), 'assert').kind, 'skipped');
  const map = notifyOne(n, ev(IOMMU_NOTIFIER_MAP, 0x1000n, 0xfffn, 3), 'assert');
  assert.ok(map.kind === 'skipped' && map.why === 'flags');
  assert.match((notifyOne(n, ev(IOMMU_NOTIFIER_UNMAP, 0x1000n, 0xfffn, 3), 'assert') as { reason: string }).reason, /must be IOMMU_NONE/);
  assert.throws(() => makeNotifier('bad', IOMMU_NOTIFIER_UNMAP, 0x2000n, 0x1000n), /start 0x2000 is above end 0x1000/);
});

test('VT-d PSI am=9 at 0x200000 without a MAP notifier is one 2 MiB UNMAP; VFIO v2 accepts it', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn: 2 << 3, aw: 1, did: 4 });
  g.map(t, 3, 0x20_3000n, 0x7_0000n); // the only page ever mapped in that range
  const model = new VtdModel({ rtaddr: g.rootTable, pages: g.memory.read });
  model.addNotifier('00:02.0', makeNotifier('vhost', IOMMU_NOTIFIER_UNMAP, 0n, U64_MAX));
  model.invalidatePages(4, 0x20_0000n, 9, 321);
  const log = model.addressSpace('00:02.0').log;
  assert.equal(log.length, 1);
  assert.equal(log[0]!.cause, 'psi');
  assert.equal(log[0]!.line, 321);
  assert.deepEqual([log[0]!.event.type, log[0]!.event.entry.iova, log[0]!.event.entry.addrMask, log[0]!.event.entry.perm], [IOMMU_NOTIFIER_UNMAP, 0x20_0000n, 0x1f_ffffn, 0]);
  // Another domain's PSI reaches nobody
  model.invalidatePages(5, 0x20_0000n, 9);
  assert.equal(log.length, 1);

  const vfio = new VfioType1Container();
  assert.ok(vfio.map(0x20_3000n, 0x1000n, 0x7_0000n, 3).ok);
  const r = vfio.apply(log[0]!.outcomes[0]!);
  assert.ok(r && r.ok);
  assert.equal(r.unmapped, 0x1000n);
  assert.equal(vfio.mappings().length, 0);
});

test('vtd_address_space_unmap splits [0x1000, 0x7fffffffff] (39-bit AW) into 27 aligned blocks', () => {
  const as = new VtdAddressSpace('00:02.0');
  const n = makeNotifier('vfio', IOMMU_NOTIFIER_IOTLB_EVENTS, 0x1000n, 0x7f_ffff_ffffn);
  as.addNotifier(n);
  const r = as.unmapNotifier(n, 39);
  assert.equal(r.events, 27);
  assert.equal(r.total, 0x7f_ffff_f000n);
  const sizes = as.log.map((l) => l.event.entry.addrMask + 1n);
  assert.deepEqual(sizes, Array.from({ length: 27 }, (_, i) => 0x1000n << BigInt(i)));
  // each block is naturally aligned and they tile the range
  let at = 0x1000n;
  for (const l of as.log) {
    assert.equal(l.event.entry.iova, at);
    assert.equal(l.event.entry.iova & l.event.entry.addrMask, 0n);
    at += l.event.entry.addrMask + 1n;
  }
  assert.equal(at, 0x80_0000_0000n);
  // a notifier up to 2^64-1 is clipped to the address width first
  const wide = makeNotifier('wide', IOMMU_NOTIFIER_IOTLB_EVENTS, 0n, U64_MAX);
  const as2 = new VtdAddressSpace('00:02.0');
  as2.addNotifier(wide);
  assert.deepEqual(as2.unmapNotifier(wide, 39), { start: 0n, total: 0x80_0000_0000n, events: 1 });
});

test('dma_aligned_pow2_mask picks alignment first, then the largest power of two that fits', () => {
  assert.equal(alignedPow2Mask(0x1000n, 0x7f_ffff_ffffn, 39), 0xfffn);
  assert.equal(alignedPow2Mask(0n, 0x2fffn, 39), 0x1fffn);
  assert.equal(alignedPow2Mask(0n, U64_MAX, 64), U64_MAX);
  assert.equal(alignedPow2Mask(0n, U64_MAX, 39), 0x7f_ffff_ffffn);
});

test('device-IOTLB invalidation ranges decode the S bit and reach DEVIOTLB notifiers cropped', () => {
  assert.deepEqual(deviceIotlbRange(0x5000n, false), { iova: 0x5000n, addrMask: 0xfffn });
  // S=1: bits 15:12 = 0111 → 64 KiB, address aligned down
  assert.deepEqual(deviceIotlbRange(0x7000n, true), { iova: 0n, addrMask: 0xffffn });
  // S=1 with bit 12 clear → 8 KiB
  assert.deepEqual(deviceIotlbRange(0x12000n, true), { iova: 0x12000n, addrMask: 0x1fffn });
  const as = new VtdAddressSpace('00:02.0');
  as.addNotifier(makeNotifier('vhost', IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0x8000n, 0xffffn));
  deviotlbNotify(as, 0x7000n, true, 12);
  const o = as.log[0]!.outcomes[0]!;
  assert.ok(o.kind === 'delivered');
  assert.deepEqual([o.type, o.entry.iova, o.entry.addrMask], [IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0x8000n, 0x7fffn]);
});
