// The cross-check rules of QEMU's internals (src/model/internalsCrossCheck.ts): what counts as a
// difference against QMP's memory map and against a trace's kernel IOTLB, and how it is said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossCheckIovaTrees, crossCheckMemoryMap, MAX_DETAIL, type QmpMemoryMap, type TraceVdpaDevice } from '../../src/model/internalsCrossCheck.js';
import type { InternalAddressSpace, InternalRamBlock, InternalVhostDevice } from '../../src/model/qemuInternals.js';

const block = (name: string, offset: bigint, usedLength: bigint): InternalRamBlock => ({ name, offset, usedLength, maxLength: usedLength, host: 0x7f0000000000n + offset });
const range = (start: bigint, last: bigint, region: string): InternalAddressSpace['ranges'][number] => ({ start, last, region, offsetInRegion: 0n, hva: null, ram: false, readonly: false, romd: false });
const space = (name: string, ranges: [bigint, bigint, string][]): InternalAddressSpace => ({ name, ranges: ranges.map(([s, l, r]) => range(s, l, r)) });
const qmpOf = (blocks: InternalRamBlock[], spaces: InternalAddressSpace[]): QmpMemoryMap => ({
  ramBlocks: blocks.map((b) => ({ name: b.name, offset: b.offset, usedLength: b.usedLength })),
  addressSpaces: spaces.map((a) => ({ name: a.name, ranges: a.ranges.map((r) => ({ start: r.start, last: r.last, region: r.region })) })),
});

const blocks = [block('pc.ram', 0n, 0x20000000n), block('pc.bios', 0x20000000n, 0x40000n)];
const spaces = [
  space('memory', [[0n, 0x9ffffn, 'pc.ram'], [0xa0000n, 0xbffffn, 'vga-lowmem']]),
  space('vtd-root', [[0n, 0xfedfffffn, 'vtd-00.0-dmar']]),
  space('vtd-root', [[0n, 0xfedfffffn, 'vtd-01.0-dmar']]),
];

test('the same memory map on both sides: no finding, whatever order QMP lists spaces sharing a name in', () => {
  assert.deepEqual(crossCheckMemoryMap({ ramBlocks: blocks, addressSpaces: spaces }, qmpOf([...blocks].reverse(), [...spaces].reverse())), []);
});

test('a RAM block whose size differs, one missing on each side: one finding naming each', () => {
  const qmp = qmpOf([block('pc.ram', 0n, 0x10000000n), block('/objects/mem1', 0x30000000n, 0x1000n)], spaces);
  const [f, ...rest] = crossCheckMemoryMap({ ramBlocks: blocks, addressSpaces: spaces }, qmp);
  assert.deepEqual(rest, []);
  assert.equal(f!.code, 'internals-ramblocks');
  assert.equal(f!.severity, 'error');
  assert.deepEqual(f!.detail, [
    "pc.ram: QEMU's memory says offset 0x0 used 0x20000000, QMP says offset 0x0 used 0x10000000",
    "only in QEMU's memory: pc.bios offset 0x20000000 used 0x40000",
    "only in QMP's info ramblock: /objects/mem1 offset 0x30000000 used 0x1000",
  ]);
});

test('a FlatView range that differs is paired with the same-named space and shown from both sides', () => {
  const qmp = qmpOf(blocks, [spaces[0]!, spaces[1]!, space('vtd-root', [[0n, 0xfeefffffn, 'vtd-01.0-dmar']])]);
  const found = crossCheckMemoryMap({ ramBlocks: blocks, addressSpaces: spaces }, qmp);
  assert.deepEqual(found.map((f) => [f.code, f.message, f.detail]), [
    [
      'internals-flatview',
      'AddressSpace "vtd-root": the FlatView read from QEMU\'s memory differs from info mtree -f (2 ranges)',
      ["only in QEMU's FlatView: 0x0-0xfedfffff vtd-01.0-dmar", 'only in info mtree -f: 0x0-0xfeefffff vtd-01.0-dmar'],
    ],
  ]);
});

test('an address space on one side only is named', () => {
  const found = crossCheckMemoryMap({ ramBlocks: blocks, addressSpaces: spaces.slice(0, 2) }, qmpOf(blocks, [...spaces, space('I/O', [[0n, 0xffffn, 'io']])]));
  assert.equal(found.length, 1);
  assert.equal(found[0]!.code, 'internals-address-spaces');
  assert.deepEqual(found[0]!.detail, ['"vtd-root" is in info mtree -f but not in QEMU\'s address_spaces list', '"I/O" is in info mtree -f but not in QEMU\'s address_spaces list']);
});

test('details stop after MAX_DETAIL lines with a count of the rest', () => {
  const many = space('memory', Array.from({ length: 20 }, (_, i) => [BigInt(i) << 12n, (BigInt(i) << 12n) + 0xfffn, `r${i}`] as [bigint, bigint, string]));
  const [f] = crossCheckMemoryMap({ ramBlocks: blocks, addressSpaces: [many] }, qmpOf(blocks, [space('memory', [])]));
  assert.equal(f!.detail.length, MAX_DETAIL + 1);
  assert.equal(f!.detail.at(-1), `… ${20 - MAX_DETAIL} more`);
});

const vdpa = (maps: [bigint, bigint, bigint, number][], layout: 'legacy' | 'current' = 'legacy'): InternalVhostDevice => ({
  backend: 'vdpa',
  started: true,
  iovaTree: { layout, maps: maps.map(([iova, last, taddr, perm]) => ({ iova, last, taddr, perm })) },
});
const traceDev = (label: string, maps: [bigint, bigint, bigint, number, number][]): TraceVdpaDevice => ({ label, maps: maps.map(([start, last, target, perm, createdLine]) => ({ start, last, target, perm, createdLine, asid: 0 })) });
const at = { fileName: 'trace.log', line: 500 };

test('an IOVA tree equal to the trace\'s IOTLB: no finding; a vdpa device without a tree (no SVQ) is not compared', () => {
  const live = [vdpa([[0x1000n, 0x1fffn, 0x7f0000001000n, 3], [0x2000n, 0x2fffn, 0x7f0000005000n, 1]])];
  const trace = [traceDev('vdpa 0xa', [[0x2000n, 0x2fffn, 0x7f0000005000n, 1, 12], [0x1000n, 0x1fffn, 0x7f0000001000n, 3, 10]])];
  assert.deepEqual(crossCheckIovaTrees(live, trace, at), []);
  assert.deepEqual(crossCheckIovaTrees([{ backend: 'vdpa', started: true, iovaTree: null }], trace, at), []);
});

test('maps only on one side and a different HVA are listed with the trace line that made them', () => {
  const live = [vdpa([[0x1000n, 0x1fffn, 0x7f0000001000n, 3], [0x3000n, 0x3fffn, 0x7f0000009000n, 3]])];
  const trace = [traceDev('vdpa 0xa', [[0x1000n, 0x1fffn, 0x7f0000002000n, 3, 10], [0x2000n, 0x2fffn, 0x7f0000005000n, 1, 12]])];
  const [f, ...rest] = crossCheckIovaTrees(live, trace, at);
  assert.deepEqual(rest, []);
  assert.equal(f!.severity, 'error');
  assert.equal(f!.message, 'vhost device 0 (vdpa, legacy IOVA tree, 2 maps) differs from vdpa 0xa in trace.log at its last line (500) (3 maps)');
  assert.deepEqual(f!.detail, [
    'IOVA 0x1000-0x1fff: QEMU maps HVA 0x7f0000001000 rw, the trace HVA 0x7f0000002000 rw (line 10)',
    'only in QEMU: IOVA 0x3000-0x3fff -> HVA 0x7f0000009000 rw',
    'only in the trace: IOVA 0x2000-0x2fff -> HVA 0x7f0000005000 ro ASID 0 (line 12)',
  ]);
});

test('two devices pair by shared IOVA ranges, not by order', () => {
  const a = vdpa([[0x1000n, 0x1fffn, 0x10n, 3]]);
  const b = vdpa([[0x8000n, 0x8fffn, 0x20n, 3]]);
  const trace = [traceDev('vdpa 0xb', [[0x8000n, 0x8fffn, 0x20n, 3, 5]]), traceDev('vdpa 0xa', [[0x1000n, 0x1fffn, 0x10n, 3, 4]])];
  assert.deepEqual(crossCheckIovaTrees([a, b], trace, at), []);
});

test('a trace with vhost-vdpa maps against a QEMU with no vhost-vdpa device: another run, said once', () => {
  const trace = [traceDev('vdpa 0xa', [[0x1000n, 0x1fffn, 0x10n, 3, 40], [0x2000n, 0x2fffn, 0x20n, 3, 33]])];
  const found = crossCheckIovaTrees([{ backend: 'kernel', started: true, iovaTree: null }], trace, at);
  assert.deepEqual(found.map((f) => [f.severity, f.message, f.detail]), [
    ['warning', 'trace.log at its last line (500) shows 1 vhost-vdpa device(s) with IOTLB maps, but QEMU has no vhost-vdpa device: is the trace from another run of QEMU?', ['vdpa 0xa: 2 maps in the trace, first at line 33']],
  ]);
});

test('an IOVA tree with no trace device left, and a trace device with no tree left, are each reported', () => {
  const found = crossCheckIovaTrees([vdpa([[0x1000n, 0x1fffn, 0x10n, 3]]), vdpa([[0x5000n, 0x5fffn, 0x50n, 3]])], [traceDev('vdpa 0xa', [[0x1000n, 0x1fffn, 0x10n, 3, 4]])], at);
  assert.deepEqual(found.map((f) => f.message), ['vhost device 1 (vdpa, legacy IOVA tree, 1 maps): trace.log at its last line (500) has no vhost-vdpa device left to compare it with']);
  const other = crossCheckIovaTrees([vdpa([[0x1000n, 0x1fffn, 0x10n, 3]])], [traceDev('vdpa 0xa', [[0x1000n, 0x1fffn, 0x10n, 3, 4]]), traceDev('vdpa 0xb', [[0x9000n, 0x9fffn, 0x90n, 3, 9]])], at);
  assert.deepEqual(other.map((f) => f.message), ['vdpa 0xb in trace.log at its last line (500) has 1 IOTLB maps but no IOVA tree read from QEMU is left to compare it with']);
});

test('the same ranges in another order are still a difference, said as such', () => {
  const mine = space('memory', [[0n, 0xfffn, 'a'], [0x1000n, 0x1fffn, 'b']]);
  const theirs = space('memory', [[0x1000n, 0x1fffn, 'b'], [0n, 0xfffn, 'a']]);
  const [f] = crossCheckMemoryMap({ ramBlocks: blocks, addressSpaces: [mine] }, qmpOf(blocks, [theirs]));
  assert.deepEqual(f!.detail, ["the same ranges, but 2 in QEMU's FlatView and 2 in info mtree -f, or in another order"]);
});
