import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IovaTree } from '../../src/model/iovaTree.js';
import { IOVA_ERR_INVALID, IOVA_ERR_NOMEM, IOVA_ERR_OVERLAP, IOVA_OK, type DMAMap } from '../../src/model/dmaMap.js';
import type { Perm } from '../../src/model/access.js';
import { U64_MAX } from '../../src/model/u64.js';

const m = (iova: bigint, size: bigint, translatedAddr = 0n, perm: Perm = 3): DMAMap => ({ iova, translatedAddr, size, perm });

function treeWith(...maps: DMAMap[]): IovaTree {
  const t = new IovaTree();
  for (const x of maps) assert.equal(t.insert(x), IOVA_OK);
  return t;
}

test('§9.1 inclusive size: node size 0x7fffffff at 0x100000000 covers exactly [0x100000000, 0x17fffffff]', () => {
  const t = treeWith(m(0x1_0000_0000n, 0x7fff_ffffn, 0x7f79_83e0_0000n));
  assert.equal(t.find({ iova: 0x1_7fff_ffffn, size: 0n })?.iova, 0x1_0000_0000n, 'last byte is iova + size');
  assert.equal(t.find({ iova: 0x1_8000_0000n, size: 0n }), undefined, 'one past the last byte is free');
  assert.equal(t.insert(m(0x1_7fff_ffffn, 0n)), IOVA_ERR_OVERLAP);
  assert.equal(t.insert(m(0x1_8000_0000n, 0xfffn)), IOVA_OK, 'adjacent map starts right after the last byte');
  assert.equal(t.size, 2);
});

test('§9.3 first-fit: exact fit between two nodes is accepted (strict > on free bytes - 1)', () => {
  const t = treeWith(m(0x1000n, 0xfffn), m(0x3000n, 0xfffn));
  const map = m(0n, 0xfffn, 0xabc000n);
  assert.deepEqual(t.allocMap(map, 0x1000n, U64_MAX), { ret: IOVA_OK, iova: 0x2000n });
  assert.equal(map.iova, 0x2000n);
  assert.deepEqual(t.find({ iova: 0x2000n, size: 0n }), m(0x2000n, 0xfffn, 0xabc000n), 'node carries translated_addr and perm as given');
});

test('§9.3 first-fit: a hole one byte short is skipped, the final hole is used, iova_last bounds it', () => {
  const t = treeWith(m(0x1000n, 0xfffn), m(0x3000n, 0xfffn));
  assert.deepEqual(t.allocMap(m(0n, 0x1fffn), 0x1000n, 0x5fffn), { ret: IOVA_OK, iova: 0x4000n });
  const u = treeWith(m(0x1000n, 0xfffn), m(0x3000n, 0xfffn));
  // 0x4000 + 0x1fff = 0x5fff > 0x5ffe: the first hole that fits ends past iova_last
  assert.deepEqual(u.allocMap(m(0n, 0x1fffn), 0x1000n, 0x5ffen), { ret: IOVA_ERR_NOMEM });
  assert.equal(u.size, 2);
});

test('§9.3 first-fit: final hole needs size+2 bytes at the top of the space', () => {
  const t = treeWith(m(0x1000n, 0xffff_ffff_ffff_dfffn)); // ends at 0xffff_ffff_ffff_efff
  assert.deepEqual(t.allocMap(m(0n, 0xfffn), 0x1000n, U64_MAX), { ret: IOVA_ERR_NOMEM }, '4 KiB free but refused');
  assert.deepEqual(t.allocMap(m(0n, 0xffen), 0x1000n, U64_MAX), { ret: IOVA_OK, iova: 0xffff_ffff_ffff_f000n }, 'one byte less fits');
});

test('§9.3 first-fit: a node straddling iova_begin makes the hole wrap and the insert fail with -2', () => {
  const t = treeWith(m(0n, 0x1fffn));
  const map = m(0n, 0xfffn);
  assert.deepEqual(t.allocMap(map, 0x1000n, U64_MAX), { ret: IOVA_ERR_OVERLAP });
  assert.equal(map.iova, 0x1000n, 'QEMU wrote the "found" IOVA before the failing insert');
  assert.deepEqual(t.nodes(), [m(0n, 0x1fffn)]);
  // a huge request does not "fit" the wrapped hole (2^64 - 0x1000 is not > size) and goes on
  const big = t.allocMap(m(0n, 0xffff_ffff_ffff_f000n), 0x1000n, U64_MAX);
  assert.deepEqual(big, { ret: IOVA_ERR_NOMEM });
});

test('first-fit: a last node ending at HWADDR_MAX wraps prev_last+1 to 0, so the final hole restarts at iova_begin', () => {
  const t = treeWith(m(0x1000n, 0xfffn), m(0x2000n, 0xffff_ffff_ffff_dfffn)); // second ends at 2^64-1
  const map = m(0n, 0xfffn);
  // no hole in the walk; final hole start = max(0 (wrapped), 0x1000) → "found" at 0x1000 → overlap
  assert.deepEqual(t.allocMap(map, 0x1000n, U64_MAX), { ret: IOVA_ERR_OVERLAP });
  assert.equal(map.iova, 0x1000n);
  // ending one byte lower, the final hole starts at 2^64-1 and nothing fits: a clean NOMEM
  const u = treeWith(m(0x1000n, 0xfffn), m(0x2000n, 0xffff_ffff_ffff_dffen));
  assert.deepEqual(u.allocMap(m(0n, 0xfffn), 0x1000n, U64_MAX), { ret: IOVA_ERR_NOMEM });
  // a single node at the very top leaves the whole hole below it usable
  const v = treeWith(m(0xffff_ffff_ffff_f000n, 0xfffn));
  assert.deepEqual(v.allocMap(m(0n, 0xfffn), 0x1000n, U64_MAX), { ret: IOVA_OK, iova: 0x1000n });
});

test('alloc_map: iova_last below iova_begin is invalid; empty tree starts at iova_begin', () => {
  const t = new IovaTree();
  assert.deepEqual(t.allocMap(m(0n, 0xfffn), 0x2000n, 0x1fffn), { ret: IOVA_ERR_INVALID });
  assert.deepEqual(t.allocMap(m(0n, 0xfffn), 0x2000n, 0x2fffn), { ret: IOVA_OK, iova: 0x2000n });
  assert.deepEqual(t.allocMap(m(0n, 0xfffn), 0x2000n, 0x3ffen), { ret: IOVA_ERR_NOMEM });
});

test('alloc_map: skipped nodes below iova_begin do not hide a hole above them', () => {
  const t = treeWith(m(0x1000n, 0xfffn), m(0x5000n, 0xfffn), m(0x9000n, 0xfffn));
  // begin 0x6000: node 0x1000 skipped, 0x5000 skipped, hole [0x6000, 0x9000) has 0x3000 bytes
  assert.deepEqual(t.allocMap(m(0n, 0x2fffn), 0x6000n, U64_MAX), { ret: IOVA_OK, iova: 0x6000n });
  assert.deepEqual(t.allocMap(m(0n, 0xfffn), 0x2000n, U64_MAX), { ret: IOVA_OK, iova: 0x2000n });
});

test('perm NONE is invalid for insert, and for alloc_map only at its final insert', () => {
  const t = new IovaTree();
  assert.equal(t.insert(m(0x1000n, 0xfffn, 0n, 0)), IOVA_ERR_INVALID);
  const map = m(0n, 0xfffn, 0n, 0);
  assert.deepEqual(t.allocMap(map, 0x1000n, U64_MAX), { ret: IOVA_ERR_INVALID });
  assert.equal(map.iova, 0x1000n);
  assert.equal(t.size, 0);
});

test('an insert whose last byte wraps past 2^64 is invalid; ending exactly at 2^64-1 is fine', () => {
  const t = new IovaTree();
  assert.equal(t.insert(m(0xffff_ffff_ffff_f000n, 0x1000n)), IOVA_ERR_INVALID);
  assert.equal(t.insert(m(0xffff_ffff_ffff_f000n, 0xfffn)), IOVA_OK);
  assert.equal(t.find({ iova: U64_MAX, size: 0n })?.iova, 0xffff_ffff_ffff_f000n);
});

test('wrapped find needle: the comparator sees [start, wrapped end] and matches only a node containing both', () => {
  const t = treeWith(m(0n, 0xfffn), m(0xffff_ffff_ffff_f000n, 0xfffn));
  const needle = { iova: 0xffff_ffff_ffff_f000n, size: 0x2000n }; // last byte wraps to 0xfff
  assert.equal(t.find(needle), undefined, 'neither end node compares equal');
  assert.equal(t.remove(needle), 0);
  assert.equal(t.size, 2);
  const big = treeWith(m(0n, 0xffff_ffff_ffff_fffen));
  assert.equal(big.find(needle)?.iova, 0n, 'a node spanning [0xfff, 0xffff_ffff_ffff_f000] matches');
});

test('remove takes out every overlapping node whole, and nothing else', () => {
  const t = treeWith(m(0x1000n, 0xfffn), m(0x2000n, 0x1fffn), m(0x4000n, 0xfffn), m(0x6000n, 0xfffn));
  assert.equal(t.remove({ iova: 0x1fffn, size: 0x2001n }), 3); // [0x1fff, 0x4000] touches three
  assert.deepEqual(t.nodes(), [m(0x6000n, 0xfffn)]);
  // the freed space is allocatable again, first fit from the bottom
  assert.deepEqual(t.allocMap(m(0n, 0x4fffn), 0x1000n, U64_MAX), { ret: IOVA_OK, iova: 0x1000n });
});

test('§1.5 find_iova: first overlap in IOVA order wins, not the containing node nor the newest', () => {
  const t = treeWith(
    m(0x2000_0010_00n, 0x1ffffn, 0x7f79_03ea_0000n), // contains the HVA exactly, inserted first
    m(0x1000n, 0x7fff_ffffn, 0x7f79_03e0_0000n), // contains it too, lower IOVA
  );
  assert.equal(t.findIova({ translatedAddr: 0x7f79_03eb_0000n, size: 0n })?.iova, 0x1000n);
  assert.equal(t.findIova({ translatedAddr: 0x7f79_83e0_0000n, size: 0n }), undefined, 'one past the 2 GiB map');
  t.remove({ iova: 0x1000n, size: 0n });
  assert.equal(t.findIova({ translatedAddr: 0x7f79_03eb_0000n, size: 0n })?.iova, 0x2000_0010_00n);
});

test('find_iova on a node whose translated range wraps follows the u64 comparator', () => {
  // iova_tree_insert only checks the IOVA range, so translated ranges may wrap
  const t = treeWith(m(0x1000n, 0x1fffn, 0xffff_ffff_ffff_f000n)); // translated last wraps to 0xfff
  assert.equal(t.findIova({ translatedAddr: 0xffff_ffff_ffff_f800n, size: 0n }), undefined, 'needle > wrapped last');
  assert.equal(t.findIova({ translatedAddr: 0x10n, size: 0n }), undefined, 'needle < start');
  assert.equal(t.findIova({ translatedAddr: 0x800n, size: 0xffff_ffff_ffff_f000n })?.iova, 0x1000n);
});

test('§1.8 GPA-keyed tree: insert/find/remove/find_iova all work on translated_addr and ignore iova', () => {
  const g = new IovaTree('gpa');
  assert.equal(g.insert(m(0x9000n, 0xfffn, 0xffff_ffff_ffff_f800n)), IOVA_ERR_INVALID, 'translated range wraps');
  assert.equal(g.insert(m(0x1000n, 0x7fff_ffffn, 0n)), IOVA_OK);
  assert.equal(g.insert(m(0x1000n, 0xfffn, 0x8000_0000n)), IOVA_OK, 'same IOVA, different GPA: no overlap in a GPA tree');
  assert.equal(g.insert(m(0x5_0000_0000n, 0xfffn, 0x7fff_f000n)), IOVA_ERR_OVERLAP, 'GPA overlap');
  assert.equal(g.find({ translatedAddr: 0x8000_0000n, size: 0n, iova: 0xdeadn })?.translatedAddr, 0x8000_0000n);
  assert.deepEqual(g.nodes().map((x) => x.translatedAddr), [0n, 0x8000_0000n], 'GPA order');
  assert.equal(g.findIova({ translatedAddr: 0x7fff_ffffn, size: 1n })?.translatedAddr, 0n, 'first overlap in GPA order');
  assert.equal(g.remove({ iova: 0x1000n, translatedAddr: 0x8000_0000n, size: 0n }), 1);
  assert.deepEqual(g.nodes(), [m(0x1000n, 0x7fff_ffffn, 0n)]);
  assert.throws(() => g.allocMap(m(0n, 0xfffn), 0n, U64_MAX), /IOVA-keyed/);
});

test('bad input is refused with a message naming the field, not silently truncated', () => {
  const t = new IovaTree();
  assert.throws(() => t.insert(m(-1n, 0n)), /map iova is not a u64/);
  assert.throws(() => t.insert(m(0n, 1n << 64n)), /map size is not a u64/);
  assert.throws(() => t.insert({ ...m(0n, 0n), perm: 7 as Perm }), /perm 7 is not 0\.\.3/);
  assert.throws(() => t.find({ iova: 1n << 64n, size: 0n }), /needle iova/);
});
