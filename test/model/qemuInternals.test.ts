// The model side of QEMU's internals: Int128 ranges as QEMU stores them, the IOTLB as a vIOMMU
// for the resolver, and the "memory" space as the one guest memory map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int128Range, internalsMemoryMap, iotlbTranslator, type QemuInternals } from '../../src/model/qemuInternals.js';
import { resolve } from '../../src/model/resolve.js';
import { liveSource } from '../../src/model/liveSource.js';

test('Int128 start/size: the whole 2^64 space, an empty range and a start beyond 64 bits', () => {
  assert.deepEqual(int128Range({ lo: 0n, hi: 0n }, { lo: 0n, hi: 1n }), { start: 0n, last: 0xffff_ffff_ffff_ffffn });
  assert.deepEqual(int128Range({ lo: 0x1000n, hi: 0n }, { lo: 0x1000n, hi: 0n }), { start: 0x1000n, last: 0x1fffn });
  assert.equal(int128Range({ lo: 0x1000n, hi: 0n }, { lo: 0n, hi: 0n }), null);
  assert.equal(int128Range({ lo: 0n, hi: 1n }, { lo: 0x1000n, hi: 0n }), null);
  assert.equal(int128Range({ lo: 0xffff_ffff_ffff_f000n, hi: 0n }, { lo: 0x2000n, hi: 0n }), null, 'would end past 2^64');
});

const iotlb = [
  { domain: 3, iova: 0xfffff000n, gpa: 0x12345000n, perm: 3, sid: 0x0010, mask: ~0xfffn & 0xffff_ffff_ffff_ffffn },
  { domain: 3, iova: 0x40000000n, gpa: 0x80000000n, perm: 1, sid: 0x0010, mask: ~0x1fffffn & 0xffff_ffff_ffff_ffffn },
];

test('a GIOVA hits the IOTLB entry of its device and page size; another device or page misses, saying why', () => {
  const t = iotlbTranslator(iotlb);
  const hit = t.translate('00:02.0', 0xfffff123n);
  assert.ok(hit.ok);
  assert.equal(hit.gpa, 0x12345123n);
  assert.match(hit.owner ?? '', /VT-d IOTLB 00:02\.0 domain 3 \[0xfffff000, 0xffffffff\] → GPA 0x12345000$/);
  const huge = t.translate('00:02.0', 0x401abcden);
  assert.ok(huge.ok);
  assert.equal(huge.gpa, 0x801abcden, '2 MiB entry: the offset inside the superpage is kept');
  assert.equal(huge.perm, 1);
  assert.match(huge.owner ?? '', /\[0x40000000, 0x401fffff\] → GPA 0x80000000$/, 'the 2 MiB page');
  const other = t.translate('00:03.0', 0xfffff123n);
  assert.ok(!other.ok && /no entry for GIOVA 0xfffff123 of 00:03\.0.*IOTLB caches/.test(other.reason));
});

test('the "memory" space is the guest memory map: GPA → HVA from the range\'s own host address', () => {
  const s: QemuInternals = {
    pid: 1,
    stoppedMs: 0,
    ramBlocks: [{ name: 'pc.ram', offset: 0n, usedLength: 0x8000000n, maxLength: 0x8000000n, host: 0x7f0000000000n }],
    addressSpaces: [
      { name: 'memory', ranges: [{ start: 0x100000n, last: 0x7ffffffn, region: 'pc.ram', offsetInRegion: 0x100000n, hva: 0x7f0000100000n, ram: true, readonly: false, romd: false }] },
      { name: 'I/O', ranges: [] },
    ],
    vtd: null,
    vhost: [],
  };
  const r = resolve('gpa', 0x123456n, { live: liveSource(internalsMemoryMap(s)) });
  assert.equal(r.error, undefined);
  assert.deepEqual(r.hops.map((h) => [h.space, h.addr]), [['gpa', 0x123456n], ['hva', 0x7f0000123456n]]);
  assert.throws(() => internalsMemoryMap({ ...s, addressSpaces: [] }), /no "memory" AddressSpace/);
});
