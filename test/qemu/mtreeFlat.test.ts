import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMtreeFlat, flatViewsOf, systemMemoryView, findFlatRange } from '../../src/qemu/parse/mtreeFlat.js';
import { sampleText } from './sampleAnswers.js';

const views = parseMtreeFlat(sampleText('info mtree -f'));

test('7.2 flat views: all ten views, each with its address spaces', () => {
  assert.equal(views.length, 10);
  assert.deepEqual(views.map((v) => v.number), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const mem = systemMemoryView(views);
  assert.equal(mem.number, 8);
  assert.deepEqual(mem.addressSpaces.map((a) => a.name), ['memory', 'cpu-memory-0']);
  assert.equal(mem.addressSpaces[0].root, 'system');
  assert.equal(mem.rootRegion, 'system');
  // "vtd-root" names one AS per device (00.0, 01.0, 02.0, 1f.0, 1f.2, 1f.3): six views.
  assert.deepEqual(flatViewsOf(views, 'vtd-root').map((v) => v.rootRegion), ['vtd-1f.2-dmar', 'vtd-1f.0-dmar', 'vtd-1f.3-dmar', 'vtd-00.0-dmar', 'vtd-02.0-dmar', 'vtd-01.0-dmar']);
});

test('system memory: pc.ram below 4G split by PAM into ram and read-only pieces with offsets', () => {
  const mem = systemMemoryView(views);
  assert.equal(mem.ranges.length, 31);
  assert.deepEqual(mem.ranges[0], {
    start: 0n, last: 0x9ffffn, name: 'pc.ram', kind: 'ram', offset: 0n, readonly: false, priority: 0, nonVolatile: false, accel: [],
  });
  // "00000000000c0000-00000000000cafff (prio 0, rom): pc.ram @00000000000c0000"
  const rom = mem.ranges[2];
  assert.equal(rom.start, 0xc0000n);
  assert.equal(rom.last, 0xcafffn);
  assert.equal(rom.name, 'pc.ram');
  assert.equal(rom.kind, 'rom');
  assert.equal(rom.readonly, true);
  assert.equal(rom.offset, 0xc0000n);
  const high = findFlatRange(mem, 0x1234_5678n)!;
  assert.equal(high.name, 'pc.ram');
  assert.equal(high.start, 0x100000n);
  assert.equal(high.last, 0x1fffffffn);
  assert.equal(high.offset, 0x100000n);
  // Names with spaces survive; MMIO with an offset into a split region keeps it.
  assert.equal(findFlatRange(mem, 0xfebd0400n)!.name, 'vga ioports remapped');
  const mmio = findFlatRange(mem, 0xfebd0180n)!;
  assert.equal(mmio.name, 'vga.mmio');
  assert.equal(mmio.offset, 0x180n);
  assert.equal(mmio.priority, 1);
  assert.equal(mmio.kind, 'i/o');
  assert.equal(findFlatRange(mem, 0xfee00000n)!.priority, 4096);
  assert.equal(findFlatRange(mem, 0xfed90000n)!.name, 'intel_iommu');
  // The hole between RAM and the MMCFG window is nobody's.
  assert.equal(findFlatRange(mem, 0x2000_0000n), undefined);
  assert.equal(findFlatRange(mem, 0xfffffff0n)!.name, 'pc.bios');
  assert.equal(findFlatRange(mem, 0xfffffff0n)!.readonly, true);
});

test('virtio-net bus-master space goes through the VT-d IOMMU region up to 2^64-1', () => {
  const [dma] = flatViewsOf(views, 'virtio-net-pci');
  assert.equal(dma.rootRegion, 'vtd-02.0-dmar');
  assert.deepEqual(dma.addressSpaces, [
    { name: 'virtio-net-pci', root: 'bus master container', alias: undefined },
    { name: 'vtd-root', root: 'vtd-02.0', alias: undefined },
  ]);
  assert.equal(dma.ranges.length, 3);
  assert.equal(dma.ranges[0].kind, 'iommu');
  assert.equal(dma.ranges[0].last, 0xfedfffffn);
  assert.equal(dma.ranges[1].name, 'vtd-ir');
  assert.equal(dma.ranges[1].kind, 'i/o');
  assert.equal(dma.ranges[2].last, 0xffff_ffff_ffff_ffffn);
  assert.equal(dma.ranges[2].offset, 0xfef00000n);
});

test('empty views, I/O space offsets and the "(none)" root', () => {
  const empty = flatViewsOf(views, 'ICH9-LPC')[0];
  assert.equal(empty.rootRegion, undefined);
  assert.deepEqual(empty.ranges, []);
  assert.equal(empty.addressSpaces.length, 4);
  const io = flatViewsOf(views, 'I/O')[0];
  const rtc = findFlatRange(io, 0x71n)!;
  assert.equal(rtc.name, 'rtc');
  assert.equal(rtc.offset, 1n);
});

test('accelerator markers, owners, nv- and negative priority (hand-written from documented output)', () => {
  const text = [
    'FlatView #0',
    ' AS "memory", root: system',
    ' AS "virtio-net-pci", root: bus master container, alias x',
    ' Root memory region: system',
    '  0000000000000000-00000000000bffff (prio 0, ram): pc.ram kvm',
    '  00000000000c0000-00000000000c0fff (prio 0, rom): pc.ram @00000000000c0000 kvm',
    '  00000000febc0000-00000000febc0fff (prio 0, ramd): 0000:00:1a.0 BAR 0 mmaps[0] kvm',
    '  000000003f20f000-000000003f20f07f (prio -1000, i/o): bcm2835-otp owner:{dev path=/machine/soc}',
    '  0000000100000000-00000001ffffffff (prio 0, nv-ram): /objects/pmem0',
    '  Dispatch',
    '    Physical sections',
    '      #0 @0000000000000000..ffffffffffffffff (noname) [unassigned]',
    '',
  ].join('\r\n');
  const [v] = parseMtreeFlat(text);
  assert.equal(v.addressSpaces[1].alias, 'x');
  assert.equal(v.ranges.length, 5);
  assert.deepEqual(v.ranges[0].accel, ['kvm']);
  assert.equal(v.ranges[1].offset, 0xc0000n);
  assert.equal(v.ranges[2].name, '0000:00:1a.0 BAR 0 mmaps[0]');
  assert.equal(v.ranges[2].kind, 'ramd');
  assert.equal(v.ranges[3].priority, -1000);
  assert.equal(v.ranges[3].name, 'bcm2835-otp');
  assert.equal(v.ranges[4].nonVolatile, true);
  assert.equal(v.ranges[4].kind, 'ram');
});

test('a line outside the grammar is an error with its line number', () => {
  assert.throws(() => parseMtreeFlat('FlatView #0\n AS "memory", root: system\n  garbage here\n'), /info mtree -f, line 3: not a flat range/);
  assert.throws(() => parseMtreeFlat('  0000000000000000-0000000000000fff (prio 0, ram): x\n'), /line 1: text before the first "FlatView #N"/);
});
