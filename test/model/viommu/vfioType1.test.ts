import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VfioType1Container } from '../../../src/model/viommu/vfioType1.js';

function container() {
  const c = new VfioType1Container();
  assert.ok(c.map(0x10000n, 0x4000n, 0x7f00_0000_0000n, 3).ok);
  assert.ok(c.map(0x20000n, 0x1000n, 0x7f00_0001_0000n, 1).ok);
  return c;
}

test('MAP overlapping an existing mapping is EEXIST and changes nothing', () => {
  const c = container();
  const r = c.map(0x13000n, 0x2000n, 0n, 3);
  assert.ok(!r.ok);
  assert.equal(r.errno, 'EEXIST');
  assert.deepEqual([r.conflict?.iova, r.conflict?.len], [0x10000n, 0x4000n]);
  assert.equal(c.mappings().length, 2);
});

test('UNMAP that would bisect a mapping is EINVAL and names the mapping', () => {
  const c = container();
  const head = c.unmap(0x11000n, 0x1000n);
  assert.ok(!head.ok);
  assert.equal(head.errno, 'EINVAL');
  assert.match(head.reason, /would split mapping 0x10000\.\.0x13fff \(starts inside it\)/);
  const tail = c.unmap(0xf000n, 0x2000n);
  assert.ok(!tail.ok);
  assert.match(tail.reason, /would split mapping 0x10000\.\.0x13fff \(ends inside it\)/);
  assert.equal(c.mappings().length, 2, 'a refused unmap removes nothing');
});

test('UNMAP over holes and whole mappings succeeds and reports the bytes removed (0 for nothing)', () => {
  const c = container();
  const hole = c.unmap(0x30000n, 0x10000n);
  assert.ok(hole.ok);
  assert.equal(hole.unmapped, 0n);
  const all = c.unmap(0x0n, 0x10_0000n);
  assert.ok(all.ok);
  assert.equal(all.unmapped, 0x5000n);
  assert.equal(c.mappings().length, 0);
});

test('unaligned or empty ranges are EINVAL', () => {
  const c = container();
  assert.equal((c.unmap(0x10800n, 0x1000n) as { errno: string }).errno, 'EINVAL');
  assert.equal((c.map(0x40000n, 0n, 0n, 3) as { errno: string }).errno, 'EINVAL');
  assert.equal((c.map(0xffff_ffff_ffff_f000n, 0x2000n, 0n, 3) as { errno: string }).errno, 'EINVAL');
});
