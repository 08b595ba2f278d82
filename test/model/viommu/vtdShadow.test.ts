import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventName, IOMMU_NOTIFIER_IOTLB_EVENTS, IOMMU_NOTIFIER_MAP, makeNotifier } from '../../../src/model/viommu/iommuNotifier.js';
import { VfioType1Container } from '../../../src/model/viommu/vfioType1.js';
import { VtdModel } from '../../../src/model/viommu/vtdModel.js';
import { U64_MAX } from '../../../src/model/u64.js';
import { SyntheticGuest } from './syntheticVtd.js';

// One VFIO-like device 00:02.0 in domain 4 with a MAP|UNMAP notifier over the whole space.
function setup() {
  const g = new SyntheticGuest();
  const table = g.setContext({ bus: 0, devfn: 2 << 3, aw: 1, did: 4 });
  const model = new VtdModel({ rtaddr: g.rootTable, pages: g.memory.read });
  model.addNotifier('00:02.0', makeNotifier('vfio', IOMMU_NOTIFIER_IOTLB_EVENTS, 0n, U64_MAX));
  const as = model.addressSpace('00:02.0');
  const vfio = new VfioType1Container();
  const drain = (): string[] => {
    const out = as.log.splice(0).map((l) => {
      const o = l.outcomes[0]!;
      if (o.kind === 'delivered') {
        const r = vfio.apply(o);
        assert.ok(!r || r.ok, `VFIO refused: ${r && !r.ok ? r.reason : ''}`);
      }
      const e = l.event.entry;
      return `${eventName(l.event.type)} ${e.iova.toString(16)}+${e.addrMask.toString(16)} -> ${e.translatedAddr.toString(16)} p${e.perm}`;
    });
    as.traces.splice(0);
    return out;
  };
  return { g, table, model, as, vfio, drain };
}

test('PSI after a map sends MAP once; the same PSI again sends nothing (identical map skipped)', () => {
  const { g, table, model, as, drain } = setup();
  g.map(table, 3, 0x1000n, 0x5000n);
  model.invalidatePages(4, 0x1000n, 0);
  assert.deepEqual(drain(), ['MAP 1000+fff -> 5000 p3']);
  model.invalidatePages(4, 0x1000n, 0);
  assert.deepEqual(drain(), []);
  assert.equal(as.shadow.size, 1);
});

test('translation changed: UNMAP of the new range carrying the new GPA and perm 0, then MAP', () => {
  const { g, table, model, as, drain, vfio } = setup();
  const leaf = g.map(table, 3, 0x1000n, 0x5000n);
  model.invalidatePages(4, 0x1000n, 0);
  drain();
  g.write64(leaf, 0x6000n | 3n);
  model.invalidatePages(4, 0x1000n, 0);
  const traces = as.traces.map((t) => `${t.event} ${t.text}`);
  assert.deepEqual(drain(), ['UNMAP 1000+fff -> 6000 p0', 'MAP 1000+fff -> 6000 p3']);
  assert.deepEqual(traces, ['vtd_page_walk_one domain 0x4 iova 0x1000 -> gpa 0x6000 mask 0xfff perm 0', 'vtd_page_walk_one domain 0x4 iova 0x1000 -> gpa 0x6000 mask 0xfff perm 3']);
  assert.deepEqual(vfio.mappings().map((m) => [m.iova, m.len, m.vaddr]), [[0x1000n, 0x1000n, 0x6000n]]);
  // a permission change alone is a changed translation too (perm is part of the compared map)
  g.write64(leaf, 0x6000n | 1n);
  model.invalidatePages(4, 0x1000n, 0);
  assert.deepEqual(drain(), ['UNMAP 1000+fff -> 6000 p0', 'MAP 1000+fff -> 6000 p1']);
});

test('a 2 MiB page replacing small pages: one UNMAP drops every overlapping shadow node', () => {
  const { g, table, model, as, drain, vfio } = setup();
  g.map(table, 3, 0x20_0000n, 0x40_0000n);
  g.map(table, 3, 0x20_1000n, 0x40_1000n);
  model.invalidateDomain(4);
  assert.deepEqual(drain(), ['MAP 200000+fff -> 400000 p3', 'MAP 201000+fff -> 401000 p3']);
  // guest swaps the level-1 table for a 2 MiB leaf
  g.write64(SyntheticGuest.pteAddr(g.read64(SyntheticGuest.pteAddr(table, 0x20_0000n, 3)) & ~0xfffn, 0x20_0000n, 2), 0x80_0000n | 0x80n | 3n);
  model.invalidateDomain(4);
  assert.deepEqual(drain(), ['UNMAP 200000+1fffff -> 800000 p0', 'MAP 200000+1fffff -> 800000 p3']);
  assert.deepEqual(as.shadow.all().map((m) => [m.iova, m.size]), [[0x20_0000n, 0x1f_ffffn]]);
  assert.deepEqual(vfio.mappings().map((m) => [m.iova, m.len]), [[0x20_0000n, 0x20_0000n]]);
});

test('UNMAP of a range never mapped is skipped; of a mapped one is sent', () => {
  const { g, table, model, as, drain } = setup();
  const leaf = g.map(table, 3, 0x3000n, 0x9000n);
  model.invalidatePages(4, 0x2000n, 0); // nothing there
  assert.deepEqual(drain(), []);
  model.invalidatePages(4, 0x3000n, 0);
  drain();
  g.write64(leaf, 0n);
  model.invalidatePages(4, 0x3000n, 0);
  assert.deepEqual(drain(), ['UNMAP 3000+fff -> 0 p0']);
  assert.equal(as.shadow.size, 0);
});

test('replaying a late MAP notifier sends MAPs only, after unmapping its range', () => {
  const g = new SyntheticGuest();
  const table = g.setContext({ bus: 0, devfn: 2 << 3, aw: 1, did: 4 });
  g.map(table, 3, 0x1000n, 0x5000n);
  g.map(table, 3, 0x4000_0000n, 0x20_0000n, { leafLevel: 2 });
  const model = new VtdModel({ rtaddr: g.rootTable, pages: g.memory.read });
  const problems = model.addNotifier('00:02.0', makeNotifier('vfio', IOMMU_NOTIFIER_IOTLB_EVENTS, 0n, 0x7f_ffff_ffffn), true);
  assert.deepEqual(problems, []);
  const log = model.addressSpace('00:02.0').log;
  const maps = log.filter((l) => l.event.type === IOMMU_NOTIFIER_MAP).map((l) => [l.cause, l.event.entry.iova, l.event.entry.addrMask]);
  assert.deepEqual(maps, [['replay', 0x1000n, 0xfffn], ['replay', 0x4000_0000n, 0x1f_ffffn]]);
  assert.ok(log.slice(0, log.length - 2).every((l) => l.cause === 'as-unmap'));
});

test('a cleared context entry on DSI/global makes every notifier unmap its whole range', () => {
  const { g, model, drain } = setup();
  const ctxTable = g.read64(g.rootTable) & ~0xfffn;
  model.invalidateGlobal();
  drain();
  g.write64(ctxTable + BigInt(2 << 3) * 16n, 0n);
  model.invalidateGlobal();
  const events = drain();
  assert.equal(events.length, 1, '[0, 2^64-1] clipped to 39 bits is one aligned block');
  assert.equal(events[0], 'UNMAP 0+7fffffffff -> 0 p0');
});

test('a PTE with reserved bits is skipped by the sync walk and reported, not notified', () => {
  const { g, table, model, drain } = setup();
  g.map(table, 3, 0x1000n, 0x5000n, { leafExtra: 1n << 11n });
  const problems = model.invalidatePages(4, 0x1000n, 0);
  assert.deepEqual(drain(), []);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.reason, /page walk skipped 0x1000\.\.0x1fff \(reserved\)/);
});
