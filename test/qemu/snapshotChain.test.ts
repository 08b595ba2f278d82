// Descriptor chains decoded from ring bytes (split and packed layouts, virtio 1.x little-endian)
// and the VT-d register block decoding the snapshot relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitChain, packedChain, descFlagNames, decodeVtdRegisters, vtdConfigFromCaps } from '../../src/qemu/snapshot/index.js';

interface D {
  addr: bigint;
  len: number;
  flags: number;
  next: number;
}

function table(descs: D[], num = descs.length): Uint8Array {
  const b = Buffer.alloc(num * 16);
  descs.forEach((d, i) => {
    b.writeBigUInt64LE(d.addr, i * 16);
    b.writeUInt32LE(d.len, i * 16 + 8);
    b.writeUInt16LE(d.flags, i * 16 + 12);
    b.writeUInt16LE(d.next, i * 16 + 14);
  });
  return b;
}

const noIndirect = (): Promise<Uint8Array> => Promise.reject(new Error('no indirect table expected'));

test('split ring: a three-descriptor chain is followed through next, in chain order', async () => {
  const t = table([
    { addr: 0x1000n, len: 16, flags: 1, next: 3 },
    { addr: 0n, len: 0, flags: 0, next: 0 },
    { addr: 0x3000n, len: 4096, flags: 2, next: 0 },
    { addr: 0x2000n, len: 64, flags: 1 | 2, next: 2 },
  ]);
  const r = await splitChain(t, 4, 0, noIndirect);
  assert.equal(r.problem, undefined);
  assert.deepEqual(r.descs.map((d) => [d.index, d.addr, d.len]), [[0, 0x1000n, 16], [3, 0x2000n, 64], [2, 0x3000n, 4096]]);
  assert.deepEqual(descFlagNames(r.descs[1]!.flags, false), ['next', 'write']);
});

test('split ring: loops and out-of-range links are reported, chains stay bounded', async () => {
  const loop = table([
    { addr: 0xan, len: 1, flags: 1, next: 1 },
    { addr: 0xbn, len: 1, flags: 1, next: 0 },
  ]);
  const r = await splitChain(loop, 2, 0, noIndirect);
  assert.equal(r.descs.length, 2);
  assert.match(r.problem ?? '', /loop: 0 is reached twice/);
  const wild = table([{ addr: 0xan, len: 1, flags: 1, next: 9 }]);
  const w = await splitChain(wild, 1, 0, noIndirect);
  assert.match(w.problem ?? '', /index 9 is outside the ring \(1 entries\)/);
  const head = await splitChain(wild, 1, 5, noIndirect);
  assert.deepEqual(head.descs, []);
  assert.match(head.problem ?? '', /head 5/);
});

test('split ring: an indirect head is replaced by its table, read through the device', async () => {
  const inner = table([
    { addr: 0x5000n, len: 16, flags: 1, next: 1 },
    { addr: 0x6000n, len: 512, flags: 2, next: 0 },
  ]);
  const asked: [bigint, number][] = [];
  const ring = table([{ addr: 0xfffe9a00n, len: 32, flags: 4, next: 0 }]);
  const r = await splitChain(ring, 1, 0, async (addr, len) => {
    asked.push([addr, len]);
    return inner;
  });
  assert.deepEqual(asked, [[0xfffe9a00n, 32]]);
  assert.deepEqual(r.descs.map((d) => [d.index, d.addr, d.indirect]), [[0, 0x5000n, true], [1, 0x6000n, true]]);
  const bad = await splitChain(table([{ addr: 0x1n, len: 20, flags: 4, next: 0 }]), 1, 0, noIndirect);
  assert.match(bad.problem ?? '', /length 20, not a non-zero multiple of 16/);
});

test('packed ring: a contiguous NEXT run from last_avail_idx, wrapping, with availability from AVAIL/USED', async () => {
  const AVAIL = 1 << 7;
  const USED = 1 << 15;
  const ring = table([
    { addr: 0x30n, len: 3, flags: AVAIL, next: 7 }, // slot 0: end of the chain after wrapping
    { addr: 0n, len: 0, flags: AVAIL | USED, next: 0 },
    { addr: 0x10n, len: 1, flags: AVAIL | 1, next: 7 },
    { addr: 0x20n, len: 2, flags: AVAIL | 1 | 2, next: 7 },
  ]);
  const r = await packedChain(ring, 4, 2, noIndirect);
  assert.equal(r.available, true);
  assert.deepEqual(r.descs.map((d) => d.addr), [0x10n, 0x20n, 0x30n]);
  assert.deepEqual(descFlagNames(r.descs[1]!.flags, true), ['next', 'write', 'avail']);
  const used = await packedChain(ring, 4, 1, noIndirect);
  assert.equal(used.available, false);
});

test('VT-d registers: CAP/ECAP give the walker config, GSTS gates RTADDR', () => {
  const b = Buffer.alloc(0x28);
  const cap = (47n << 16n) | (6n << 8n);
  b.writeBigUInt64LE(cap, 8);
  b.writeBigUInt64LE(1n << 6n, 0x10);
  b.writeBigUInt64LE((1n << 31n) << 32n, 0x18); // TES without RTPS
  b.writeBigUInt64LE(0x1234000n, 0x20);
  const v = decodeVtdRegisters(0xfed90000n, b);
  assert.equal(v.translationEnabled, true);
  assert.equal(v.rtaddr, null);
  assert.deepEqual(v.config, { awBits: 48, dtSupported: false, ptSupported: true, snoopControl: false });
  b.writeBigUInt64LE(((1n << 31n) | (1n << 30n)) << 32n, 0x18);
  assert.equal(decodeVtdRegisters(0xfed90000n, b).rtaddr, 0x1234000n);
  assert.throws(() => vtdConfigFromCaps(20n << 16n, 0n), /MGAW gives 21-bit/);
});
