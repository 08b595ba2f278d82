import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessFits, add64, sub64, parseU64, parseHexU64, hex, U64_MAX, roundUp64 } from '../../src/model/u64.js';

test('u64 add and sub wrap modulo 2^64 like C', () => {
  assert.equal(add64(0xffff_ffff_ffff_f000n, 0x2000n), 0x1000n);
  assert.equal(add64(0xffff_ffff_ffff_f000n, 0x1fffn), 0xfffn);
  assert.equal(sub64(0n, 0x1000n), 0xffff_ffff_ffff_f000n);
  assert.equal(add64(U64_MAX, 1n), 0n);
});

test('parseU64 accepts hex and decimal, refuses junk and >64-bit values', () => {
  assert.equal(parseU64('0xFFFFFFFFFFFFFFFF'), U64_MAX);
  assert.equal(parseU64('4096'), 4096n);
  assert.throws(() => parseU64('0x1ffffffffffffffff'), /larger than 2\^64-1/);
  assert.throws(() => parseU64('-1'), /not a u64/);
  assert.throws(() => parseU64('0xg'), /not a u64/);
  assert.equal(parseHexU64('7f7903e00000'), 0x7f7903e00000n);
});

test('hex prints lower case like PRIx64; roundUp wraps like ROUND_UP', () => {
  assert.equal(hex(0xABCn), '0xabc');
  assert.equal(roundUp64(0x1fffn, 0x1000n), 0x2000n);
  assert.equal(roundUp64(U64_MAX, 0x1000n), 0n);
});

test('accessFits: an access ending on the last byte fits, one byte more would wrap to 0', () => {
  assert.equal(accessFits(0xfffffffffffffff0n, 16), true);
  assert.equal(accessFits(0xfffffffffffffff0n, 17), false);
  assert.equal(accessFits(0xfffffffffffffff0n, 32), false);
  assert.equal(accessFits(U64_MAX, 0), true);
  assert.equal(accessFits(U64_MAX + 1n, 0), false);
  assert.equal(accessFits(-1n, 4), false);
  assert.equal(accessFits(0n, 2n ** 64n), true);
  assert.equal(accessFits(1n, 2n ** 64n), false);
});
