import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regionAdd, regionDel, skippedSection, type ListenerSection, type ListenerConfig } from '../../src/model/vdpaListener.js';
import { VhostIovaTree } from '../../src/model/vhostIovaTree.js';
import { U64_MAX } from '../../src/model/u64.js';

const ram = (gpa: bigint, size: bigint, ramPtr = 0x7f0000000000n, readonly = false): ListenerSection => ({ gpa, offsetInRegion: 0n, size, kind: 'ram', readonly, ramPtr });
const cfg = (over: Partial<ListenerConfig> = {}): ListenerConfig => ({ iovaFirst: 0n, iovaLast: U64_MAX, pageSize: 0x1000n, ...over });

test('§9.4 tree permission is inverted: writable RAM is stored IOMMU_RO, the device map is RW', () => {
  const tree = new VhostIovaTree(0n, U64_MAX, { layout: 'current' });
  const out = regionAdd(ram(0x100000000n, 0x80000000n), cfg({ svqTree: tree }));
  assert.equal(out.action, 'map');
  if (out.action !== 'map') return;
  assert.equal(out.treeNode?.perm, 1, 'tree copy: IOMMU_ACCESS_FLAG(true, readonly=0) = RO');
  assert.equal(out.ops[0].perm, 3, 'UPDATE message: VHOST_ACCESS_RW');
  const rom = regionAdd({ ...ram(0xfffc0000n, 0x40000n, 0x7f1000000000n, true), kind: 'ram' }, cfg({ svqTree: tree }));
  assert.equal(rom.action === 'map' && rom.treeNode?.perm, 3, 'read-only section is stored IOMMU_RW in the tree');
  assert.equal(rom.action === 'map' && rom.ops[0].perm, 1, 'and mapped read-only on the device');
});

test('§9.5 region_add traces the GPA and an exclusive llend; region_del an inclusive one (≥ 8.0) or exclusive (≤ 7.2)', () => {
  const tree = new VhostIovaTree(0n, U64_MAX, { layout: 'current' });
  const s = ram(0x100000000n, 0x80000000n);
  const add = regionAdd(s, cfg({ svqTree: tree }));
  assert.deepEqual(add.action === 'map' && [add.trace.iova, add.trace.llend], [0x100000000n, 0x180000000n]);
  assert.equal(add.action === 'map' && add.ops[0].iova, 0x1000n, 'SVQ: the map uses the allocated IOVA, not the GPA');
  assert.equal(add.action === 'map' && add.ops[0].size, 0x80000000n, 'UPDATE size is a length');
  const del = regionDel(s, cfg({ svqTree: tree }));
  assert.deepEqual(del.action === 'unmap' && [del.trace.iova, del.trace.llend], [0x100000000n, 0x17fffffffn]);
  assert.deepEqual(del.action === 'unmap' && del.ops, [{ type: 'unmap', asid: 0, iova: 0x1000n, size: 0x80000000n }]);
  const old = regionDel(s, cfg({ exclusiveDelEnd: true }));
  assert.equal(old.action === 'unmap' && old.trace.llend, 0x180000000n);
  const empty = regionDel(ram(0x5000n, 0x800n), cfg());
  assert.equal(empty.action, 'empty', 'region_del traces an empty section and unmaps nothing');
  assert.equal(regionAdd(ram(0x5000n, 0x800n), cfg()).action, 'empty');
});

test('§9.6 device-range check compares an exclusive end with the inclusive iova_range.last', () => {
  const limits = cfg({ iovaFirst: 0x1000n, iovaLast: 0xffffffffffn });
  const s = ram(0xff00000000n, 0x10000000000n - 0xff00000000n);
  const out = regionAdd(s, limits);
  assert.equal(out.action, 'skip', 'last byte 0xffffffffff is mappable but the section is skipped');
  assert.equal(out.action === 'skip' && out.error, 'RAM section out of device range (max=0xffffffffff, end addr=0x10000000000)');
  const low = regionAdd(ram(0n, 0x80000000n), limits);
  assert.equal(low.action === 'skip' && low.error, 'RAM section out of device range (min=0x1000, addr=0x0)', 'skipped whole, not trimmed');
  assert.equal(skippedSection({ ...s, kind: 'iommu' }, 0x1000n, 0xffffffffffn, ~0xfffn).skipped, false, 'IOMMU sections are exempt from the max check');
});

test('§9.7 SVQ region_del unmaps from the start of the node found, with the section size, and removes the whole node', () => {
  const tree = new VhostIovaTree(0n, U64_MAX, { layout: 'current' });
  regionAdd(ram(0n, 0x80000000n), cfg({ svqTree: tree }));
  const part = regionDel(ram(0x40000000n, 0x40000000n, 0x7f0000000000n), cfg({ svqTree: tree }));
  assert.deepEqual(part.action === 'unmap' && part.ops, [{ type: 'unmap', asid: 0, iova: 0x1000n, size: 0x40000000n }], 'not iova 0x40001000');
  const dump = tree.dump();
  assert.equal(dump.layout === 'current' && dump.gpa.length + dump.alloc.length, 0, 'the whole node left both trees');
  assert.equal(regionDel(ram(0x40000000n, 0x40000000n), cfg({ svqTree: tree })).action, 'not-found', 'nothing overlaps: nothing is sent');
});

test('legacy layout looks region_del up by HVA: an aliased window removes the first HVA match (the seed bug)', () => {
  const tree = new VhostIovaTree(0n, U64_MAX, { layout: 'legacy' });
  const base = 0x7f7903e00000n;
  regionAdd({ ...ram(0n, 0x80000000n, base) }, cfg({ svqTree: tree }));
  regionAdd({ ...ram(0x100000000n, 0x1f80000000n, 0x7f7983e00000n) }, cfg({ svqTree: tree }));
  const smram = { gpa: 0xfeda0000n, offsetInRegion: 0xa0000n, size: 0x20000n, kind: 'ram' as const, readonly: false, ramPtr: base };
  const add = regionAdd(smram, cfg({ svqTree: tree }));
  assert.equal(add.action === 'map' && add.ops[0].iova, 0x2000001000n);
  const del = regionDel(smram, cfg({ svqTree: tree }));
  assert.deepEqual(del.action === 'unmap' && del.ops[0], { type: 'unmap', asid: 0, iova: 0x1000n, size: 0x20000n });
  const current = new VhostIovaTree(0n, U64_MAX, { layout: 'current' });
  regionAdd({ ...ram(0n, 0x80000000n, base) }, cfg({ svqTree: current }));
  regionAdd({ ...ram(0x100000000n, 0x1f80000000n, 0x7f7983e00000n) }, cfg({ svqTree: current }));
  regionAdd(smram, cfg({ svqTree: current }));
  const fixed = regionDel(smram, cfg({ svqTree: current }));
  assert.equal(fixed.action === 'unmap' && fixed.ops[0].iova, 0x2000001000n, 'the GPA tree finds the window itself');
});

test('a full-space IOMMU section is unmapped as two halves of 2^63', () => {
  const s: ListenerSection = { gpa: 0n, offsetInRegion: 0n, size: 1n << 64n, kind: 'iommu', readonly: false };
  const del = regionDel(s, cfg());
  assert.deepEqual(del.action === 'unmap' && del.ops, [
    { type: 'unmap', asid: 0, iova: 0n, size: 1n << 63n },
    { type: 'unmap', asid: 0, iova: 1n << 63n, size: 1n << 63n },
  ]);
  assert.equal(del.action === 'unmap' && del.trace.llend, U64_MAX);
});
