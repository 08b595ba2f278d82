import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve, type ResolveContext } from '../../src/model/resolver.js';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { ListIotlb as DeviceIotlb } from './fixtures/listIotlb.js';
import type { Hop } from '../../src/model/translation.js';
import { currentTree, legacyTree } from './fixtures/fakeSvqTree.js';
import { PC_RAM_HVA, q35SmmView } from './fixtures/q35Smm.js';
import { PageTableTranslator } from './fixtures/pageTableTranslator.js';

const chain = (hops: Hop[]) => hops.map((h) => `${h.space}:0x${h.addr.toString(16)}`);

/** samples/aliased-unmap-svq-legacy.log lines 3–13: three listener sections and their UPDATEs. */
function scenarioState() {
  const memory = new GuestMemoryMap();
  memory.addSection({ gpaStart: 0x0n, gpaEnd: 0x80000000n, hva: 0x7f7903e00000n, readonly: false, line: 3 });
  memory.addSection({ gpaStart: 0x100000000n, gpaEnd: 0x2080000000n, hva: 0x7f7983e00000n, readonly: false, line: 7 });
  memory.addSection({ gpaStart: 0xfeda0000n, gpaEnd: 0xfedc0000n, hva: 0x7f7903ea0000n, readonly: false, line: 11 });
  const iotlb = new DeviceIotlb({ device: 'vdpa0' });
  iotlb.update({ asid: 0, iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3, line: 5 });
  iotlb.update({ asid: 0, iova: 0x80001000n, size: 0x1f80000000n, uaddr: 0x7f7983e00000n, perm: 3, line: 9 });
  iotlb.update({ asid: 0, iova: 0x2000001000n, size: 0x20000n, uaddr: 0x7f7903ea0000n, perm: 3, line: 13 });
  // tree nodes as QEMU allocates them (inclusive sizes); legacy keys by HVA, current by GPA
  const legacy = legacyTree([
    { iova: 0x1000n, translatedAddr: 0x7f7903e00000n, size: 0x7fffffffn, perm: 1 },
    { iova: 0x80001000n, translatedAddr: 0x7f7983e00000n, size: 0x1f7fffffffn, perm: 1 },
    { iova: 0x2000001000n, translatedAddr: 0x7f7903ea0000n, size: 0x1ffffn, perm: 1 },
  ]);
  const current = currentTree([
    { iova: 0x1000n, translatedAddr: 0x0n, size: 0x7fffffffn, perm: 1 },
    { iova: 0x80001000n, translatedAddr: 0x100000000n, size: 0x1f7fffffffn, perm: 1 },
    { iova: 0x2000001000n, translatedAddr: 0xfeda0000n, size: 0x1ffffn, perm: 1 },
  ]);
  return { memory, iotlb, legacy, current };
}

test('HVA in the SMRAM window: every GPA is reported, each with its own IOVA (current GPA tree)', () => {
  const s = scenarioState();
  const r = resolve('hva', 0x7f7903eb0000n, { memory: s.memory, iotlbs: [s.iotlb], svqTree: s.current });
  assert.equal(r.error, undefined);
  assert.deepEqual(chain(r.hops), ['hva:0x7f7903eb0000', 'gpa:0xb0000', 'iova:0xb1000']);
  assert.deepEqual(r.alternatives.map(chain), [['hva:0x7f7903eb0000', 'gpa:0xfedb0000', 'iova:0x2000011000']]);
  const [, gpa, iova] = r.hops;
  assert.deepEqual([gpa!.owner?.createdLine, gpa!.owner?.start, gpa!.owner?.last], [3, 0x0n, 0x7fffffffn]);
  assert.deepEqual([iova!.owner?.kind, iova!.owner?.createdLine, iova!.perm, iova!.asid, iova!.device], ['iotlb-entry', 5, 3, 0, 'vdpa0']);
  assert.equal(r.alternatives[0]![2]!.owner?.createdLine, 13);
});

test('legacy HVA tree: both GPAs resolve to the first node in IOVA order (the bug, reproduced)', () => {
  const s = scenarioState();
  const r = resolve('hva', 0x7f7903eb0000n, { memory: s.memory, iotlbs: [s.iotlb], svqTree: s.legacy });
  assert.deepEqual(chain(r.hops), ['hva:0x7f7903eb0000', 'gpa:0xb0000', 'iova:0xb1000']);
  assert.deepEqual(r.alternatives.map(chain), [['hva:0x7f7903eb0000', 'gpa:0xfedb0000', 'iova:0xb1000']]);
  assert.match(r.alternatives[0]![2]!.note ?? '', /legacy: first overlap in IOVA order/);
});

test('after the legacy wrong unmap (line 17) GPA 0x1000 is unreachable and the window IOVA stays mapped forever', () => {
  const s = scenarioState();
  s.memory.removeSection({ gpaStart: 0xfeda0000n, gpaLast: 0xfedbffffn, line: 15 });
  s.legacy.nodes.shift(); // QEMU removed the node it found: N1
  const inv = s.iotlb.invalidate({ asid: 0, iova: 0x1000n, size: 0x20000n, line: 17 });
  assert.ok(inv.ok && inv.removed.length === 1);
  const ctx: ResolveContext = { memory: s.memory, iotlbs: [s.iotlb], svqTree: s.legacy };

  const g = resolve('gpa', 0x1000n, ctx);
  assert.deepEqual(chain(g.hops), ['gpa:0x1000', 'hva:0x7f7903e01000']);
  assert.equal(g.error, '0x7f7903e01000 is not mapped in the SVQ HVA→IOVA tree');

  const i = resolve('iova', 0x2000011000n, ctx);
  assert.equal(i.error, undefined);
  assert.deepEqual(chain(i.hops), ['iova:0x2000011000', 'hva:0x7f7903eb0000', 'gpa:0xb0000']);
  assert.equal(i.hops[0]!.owner?.createdLine, 13);
  assert.deepEqual(i.alternatives, [], 'the window GPA is gone from the flat view');

  const gone = resolve('iova', 0x1000n, ctx);
  assert.equal(gone.error, '0x1000 is not mapped in IOVA ASID 0 of vdpa0');
  assert.deepEqual(chain(gone.hops), ['iova:0x1000']);
});

test('IOVA start: entry → HVA → every GPA showing it', () => {
  const s = scenarioState();
  const r = resolve('iova', 0x2000011000n, { memory: s.memory, iotlbs: [s.iotlb] });
  assert.deepEqual(chain(r.hops), ['iova:0x2000011000', 'hva:0x7f7903eb0000', 'gpa:0xb0000']);
  assert.deepEqual(r.alternatives.map(chain), [['iova:0x2000011000', 'hva:0x7f7903eb0000', 'gpa:0xfedb0000']]);
  assert.deepEqual([r.hops[0]!.owner?.start, r.hops[0]!.owner?.last], [0x2000001000n, 0x2000020fffn]);
  const other = resolve('iova', 0x1000n, { memory: s.memory, iotlbs: [s.iotlb] }, { asid: 1 });
  assert.equal(other.error, '0x1000 is not mapped in IOVA ASID 1 of vdpa0');
});

test('GPA start without SVQ on q35: IOVA = GPA, ROM is read-only, aliases named, MMIO and holes are errors', () => {
  const memory = new GuestMemoryMap(q35SmmView());
  const iotlb = new DeviceIotlb({ device: 'vdpa0' });
  // the listener's UPDATEs for the first pc.ram ranges: IOVA = GPA, uaddr = HVA
  iotlb.update({ iova: 0x0n, size: 0xc0000n, uaddr: PC_RAM_HVA, perm: 3, line: 1 });
  iotlb.update({ iova: 0xc0000n, size: 0xb000n, uaddr: PC_RAM_HVA + 0xc0000n, perm: 1, line: 2 });
  const ctx: ResolveContext = { memory, iotlbs: [iotlb] };

  const a = resolve('gpa', 0xa8000n, ctx);
  assert.equal(a.error, undefined);
  assert.deepEqual(chain(a.hops), ['gpa:0xa8000', `hva:0x${(PC_RAM_HVA + 0xa8000n).toString(16)}`, 'iova:0xa8000']);
  assert.match(a.hops[0]!.note ?? '', /smram-low/);
  assert.equal(a.hops[1]!.owner?.kind, 'ramblock');
  assert.equal(a.hops[1]!.owner?.name, 'pc.ram');
  assert.match(a.hops[1]!.note ?? '', /also visible at GPA 0xfeda8000/);
  assert.match(a.hops[2]!.note ?? '', /device IOVA = GPA/);

  const rom = resolve('gpa', 0xcafffn, ctx);
  assert.deepEqual([rom.hops[0]!.perm, rom.hops[2]!.perm, rom.hops[2]!.addr], [1, 1, 0xcafffn]);

  // the open-high window has no IOVA of its own: the device reaches those bytes only at 0xa8000
  const w = resolve('gpa', 0xfeda8000n, ctx);
  assert.deepEqual(chain(w.hops), ['gpa:0xfeda8000', `hva:0x${(PC_RAM_HVA + 0xa8000n).toString(16)}`, 'iova:0xa8000']);
  assert.match(w.hops[2]!.note ?? '', /no IOTLB entry at IOVA 0xfeda8000 .*found by HVA/);

  const mmio = resolve('gpa', 0xb0000000n, ctx);
  assert.equal(mmio.error, "0xb0000000 is not mapped in guest RAM (GPA): GPA 0xb0000000 is not RAM (mmio region 'pcie-mmcfg-mmio')");
  assert.deepEqual(chain(mmio.hops), ['gpa:0xb0000000']);
  assert.equal(mmio.hops[0]!.owner?.name, 'pcie-mmcfg-mmio');
  assert.equal(resolve('gpa', 0x20000000n, ctx).error, '0x20000000 is not mapped in guest RAM (GPA): GPA 0x20000000 is not in the flat view');

  const noIova = resolve('gpa', 0x100000n, ctx);
  assert.deepEqual(chain(noIova.hops), ['gpa:0x100000', `hva:0x${(PC_RAM_HVA + 0x100000n).toString(16)}`]);
  assert.equal(noIova.error, `0x100000 is not mapped in IOVA ASID 0 of vdpa0: no entry there, and none holds HVA 0x${(PC_RAM_HVA + 0x100000n).toString(16)}`);
});

test('GIOVA start: vIOMMU → GPA → HVA → device IOTLB keyed by the guest IOVA', () => {
  const dev = '00:02.0';
  const memory = new GuestMemoryMap(q35SmmView());
  const viommu = new PageTableTranslator([
    { device: dev, giova: 0x12345000n, gpa: 0x7654000n, mask: 0xfffn, perm: 1 },
    { device: dev, giova: 0x12346000n, gpa: 0x7655000n, mask: 0xfffn, perm: 3 },
    { device: dev, giova: 0x5000n, gpa: 0xfed90000n, mask: 0xfffn, perm: 3 },
  ]);
  const iotlb = new DeviceIotlb({ device: dev });
  iotlb.update({ iova: 0x12345000n, size: 0x1000n, uaddr: PC_RAM_HVA + 0x7654000n, perm: 3, line: 101 });
  const ctx: ResolveContext = { memory, iotlbs: [iotlb], viommu, device: dev };

  const r = resolve('giova', 0x12345678n, ctx);
  assert.equal(r.error, undefined);
  assert.deepEqual(chain(r.hops), ['giova:0x12345678', 'gpa:0x7654678', `hva:0x${(PC_RAM_HVA + 0x7654678n).toString(16)}`, 'iova:0x12345678']);
  assert.deepEqual([r.hops[0]!.owner?.kind, r.hops[0]!.perm, r.hops[0]!.device], ['viommu-mapping', 1, dev]);
  assert.deepEqual([r.hops[3]!.owner?.createdLine, r.hops[3]!.perm], [101, 3]);
  assert.match(r.hops[3]!.note ?? '', /guest IOVA \(vIOMMU\)/);

  const notYet = resolve('giova', 0x12346010n, ctx);
  assert.equal(notYet.hops.length, 3);
  assert.match(notYet.error ?? '', /^0x12346010 is not mapped in IOVA ASID 0 of 00:02.0/);

  assert.equal(resolve('giova', 0x9000n, ctx).error, '0x9000 is not mapped in the vIOMMU for device 00:02.0 (GIOVA): no page for 0x9000');
  assert.match(resolve('giova', 0x5010n, ctx).error ?? '', /0xfed90010 is not mapped in guest RAM \(GPA\): .*mmio region 'intel_iommu'/);
  assert.match(resolve('giova', 0x1000n, { viommu }).error ?? '', /no device was given/);
});

test('HVA outside guest RAM: SVQ vring found through the host-only tree; unknown HVA is an error', () => {
  const s = scenarioState();
  const ring = 0x7f6a00003000n; // not in any listener section
  const tree = currentTree([{ iova: 0x1000n, translatedAddr: 0x0n, size: 0x7fffffffn, perm: 1 }], [{ iova: 0x80000000000n, translatedAddr: ring, size: 0x1fffn, perm: 3 }]);
  s.iotlb.update({ iova: 0x80000000000n, size: 0x2000n, uaddr: ring, perm: 3, line: 2 });
  const ctx: ResolveContext = { memory: s.memory, iotlbs: [s.iotlb], svqTree: tree };
  const r = resolve('hva', ring + 0x800n, ctx);
  assert.equal(r.error, undefined);
  assert.deepEqual(chain(r.hops), [`hva:0x${(ring + 0x800n).toString(16)}`, 'iova:0x80000000800']);
  assert.match(r.hops[0]!.note ?? '', /not guest RAM/);
  const lost = resolve('hva', 0x7f6a00100000n, ctx);
  assert.equal(lost.error, '0x7f6a00100000 is not mapped in guest memory (HVA): no flat range is backed by it, and 0x7f6a00100000 is not mapped in the SVQ HVA→IOVA tree');
  const back = resolve('iova', 0x80000001000n, ctx);
  assert.deepEqual(chain(back.hops), ['iova:0x80000001000', `hva:0x${(ring + 0x1000n).toString(16)}`]);
  assert.match(back.hops[1]!.note ?? '', /host-only memory/);
});

test('missing models and bad addresses give errors, never throw', () => {
  assert.equal(resolve('gpa', 0x1000n, {}).error, '0x1000 cannot be resolved: the context has no model that translates GPA addresses');
  assert.match(resolve('iova', 0x1000n, {}).error ?? '', /no device IOTLB/);
  assert.match(resolve('giova', 0x1000n, {}).error ?? '', /no vIOMMU model/);
  assert.equal(resolve('hva', -1n, {}).error, 'HVA address -1 is not a u64');
  assert.equal(resolve('gpa', 1n << 64n, {}).error, `GPA address ${1n << 64n} is not a u64`);
  const two = [new DeviceIotlb({ device: 'a' }), new DeviceIotlb({ device: 'b' })];
  two[1]!.update({ iova: 0x1000n, size: 0x1000n, uaddr: 0x5000n, perm: 3 });
  const picked = resolve('iova', 0x1000n, { iotlbs: two }, { device: 'b' });
  assert.deepEqual(chain(picked.hops), ['iova:0x1000', 'hva:0x5000']);
  assert.match(resolve('iova', 0x1000n, { iotlbs: two }).error ?? '', /no device IOTLB/, 'ambiguous without a device');
});
