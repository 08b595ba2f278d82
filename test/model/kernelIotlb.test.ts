// The kernel vhost-vdpa IOTLB rules (src/model/iotlb/kernelIotlb.ts, the ones the trace replay
// runs) over a plain list store: refusals, orphaned rests, u64 ends, ASIDs (qemu-semantics §5.2, §9.10).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainRefusal, updateRangeError } from '../../src/model/iotlb/kernelIotlb.js';
import { ListIotlb } from './fixtures/listIotlb.js';

const TWO_POW_63 = 0x8000000000000000n;
const span = (t: ListIotlb, asid = 0) => t.live(asid).map((e) => [e.iova, e.last, e.uaddr]);

test('§9.10: an UPDATE inside a live map is refused for the overlap and leaves the IOTLB unchanged; touching maps are fine', () => {
  const t = new ListIotlb({ device: 'vdpa0' });
  const first = t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3, line: 5 });
  assert.equal(first.verdict.kind, 'accept');
  const before = structuredClone(t.all().map((e) => [e.iova, e.last, e.uaddr, e.state]));
  const r = t.update({ iova: 0x2000n, size: 0x1000n, uaddr: 0x7f0000000000n, perm: 3, line: 9 });
  assert.equal(r.verdict.kind, 'refuse');
  if (r.verdict.kind !== 'refuse') return;
  assert.equal(r.verdict.cause.kind, 'overlap');
  assert.match(explainRefusal(r.verdict.cause, 'ASID 0 of vdpa0'), /^the kernel still holds the live map \[0x1000, 0x80000fff\] from line 5 in ASID 0 of vdpa0, and refuses any overlapping UPDATE \(EEXIST inside the kernel\)$/);
  assert.deepEqual(t.all().map((e) => [e.iova, e.last, e.uaddr, e.state]), before);
  assert.equal(t.update({ iova: 0x80001000n, size: 0x1000n, uaddr: 0x1000n, perm: 1 }).verdict.kind, 'accept', 'touching above');
  assert.equal(t.update({ iova: 0x0n, size: 0x1000n, uaddr: 0x2000n, perm: 1 }).verdict.kind, 'accept', 'touching below');
  assert.equal(t.update({ iova: 0x80000fffn, size: 0x1n, uaddr: 0x3000n, perm: 1 }).verdict.kind, 'refuse', 'the last byte of the 2 GiB map still overlaps');
});

test('§9.10: an INVALIDATE of one page removes the map from QEMU\'s view; the rest stays orphaned, later outcomes settle it', () => {
  const t = new ListIotlb();
  t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3, line: 5 });
  t.update({ iova: 0x80001000n, size: 0x1f80000000n, uaddr: 0x7f7983e00000n, perm: 3, line: 9 });
  const r = t.invalidate({ iova: 0x2000n, size: 0x1000n, line: 17 });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.removed.map((e) => [e.iova, e.last, e.createdLine, e.removedLine]), [[0x1000n, 0x80000fffn, 5, 17]]);
  assert.deepEqual(r.orphaned.map((e) => [e.iova, e.last, e.uaddr, e.state, e.createdLine, e.cutLine]), [
    [0x1000n, 0x1fffn, 0x7f7903e00000n, 'orphaned', 5, 17],
    [0x3000n, 0x80000fffn, 0x7f7903e02000n, 'orphaned', 5, 17],
  ]);
  assert.deepEqual(span(t), [[0x80001000n, 0x2000000fffn, 0x7f7983e00000n]], 'only live entries are QEMU\'s maps');
  // an UPDATE over the rest is uncertain; QEMU's log says it failed: that confirms the rest
  const refused = t.update({ iova: 0x500000n, size: 0x1000n, uaddr: 0x1000n, perm: 3, line: 20, outcome: 'refused' });
  assert.equal(refused.verdict.kind, 'uncertain');
  assert.deepEqual(refused.confirmed?.map((e) => [e.iova, e.confirmedLine]), [[0x3000n, 20]]);
  assert.match(explainRefusal({ kind: 'overlap', live: [], orphaned: refused.confirmed ?? [] }, 'ASID 0'), /the orphaned rest \[0x3000, 0x80000fff\] of the map from line 5 cut by the INVALIDATE at line 17 \(possibly still mapped: QEMU no longer knows about it, still held as a refusal at line 20 showed\)/);
  // the page at the cut maps fine and clears nothing; a success just above the cut clears up to its end
  const atCut = t.update({ iova: 0x2000n, size: 0x1000n, uaddr: 0x1000n, perm: 3, line: 21 });
  assert.deepEqual([atCut.verdict.kind, atCut.cleared], ['accept', []]);
  const above = t.update({ iova: 0x3000n, size: 0x2000n, uaddr: 0x2000n, perm: 3, line: 22, outcome: 'accepted' });
  assert.deepEqual(above.cleared, [{ first: 0x3000n, last: 0x4fffn }]);
  assert.deepEqual(t.all().filter((e) => e.state === 'orphaned').map((e) => [e.iova, e.last]), [[0x1000n, 0x1fffn], [0x5000n, 0x80000fffn]]);
});

test('a success far from the cut clears the stretch from the cut to its own end', () => {
  const t = new ListIotlb();
  t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f0000000000n, perm: 3, line: 5 });
  t.invalidate({ iova: 0x1000n, size: 0x20000n, line: 17 });
  const u = t.update({ iova: 0x100000n, size: 0x1000n, uaddr: 0x1000n, perm: 3, line: 30, outcome: 'accepted' });
  assert.equal(u.verdict.kind, 'uncertain');
  assert.deepEqual(u.cleared, [{ first: 0x21000n, last: 0x100fffn }]);
  assert.deepEqual(t.all().filter((e) => e.state === 'orphaned').map((e) => [e.iova, e.last]), [[0x101000n, 0x80000fffn]]);
});

test('an INVALIDATE of unmapped space removes nothing; one byte of overlap removes a neighbour and orphans its rest', () => {
  const t = new ListIotlb();
  t.update({ iova: 0x10000n, size: 0x1000n, uaddr: 0xa000n, perm: 3 });
  t.update({ iova: 0x20000n, size: 0x1000n, uaddr: 0xb000n, perm: 3 });
  const none = t.invalidate({ iova: 0x11000n, size: 0xf000n });
  assert.deepEqual(none.ok ? none.removed : undefined, []);
  const edge = t.invalidate({ iova: 0x10fffn, size: 0xf002n }); // [0x10fff, 0x20000]
  assert.deepEqual(edge.ok ? edge.removed.map((e) => e.iova) : [], [0x10000n, 0x20000n]);
  assert.deepEqual(t.all().map((e) => [e.iova, e.last, e.state]), [[0x10000n, 0x10ffen, 'orphaned'], [0x20001n, 0x20fffn, 'orphaned']]);
});

test('a full-space unmap split in two INVALIDATEs of 2^63 ends at 2^64 - 1 without overflow', () => {
  const t = new ListIotlb();
  t.update({ iova: 0x0n, size: 0x1000n, uaddr: 0x1000n, perm: 3 });
  t.update({ iova: 0x7ffffffffffff000n, size: 0x2000n, uaddr: 0x2000n, perm: 3 }); // straddles 2^63
  t.update({ iova: 0xfffffffffffff000n, size: 0x1000n, uaddr: 0x3000n, perm: 3 }); // the top page
  const lo = t.invalidate({ iova: 0x0n, size: TWO_POW_63 });
  assert.deepEqual(lo.ok ? lo.removed.map((e) => e.iova) : [], [0x0n, 0x7ffffffffffff000n]);
  const hi = t.invalidate({ iova: TWO_POW_63, size: TWO_POW_63 });
  assert.deepEqual(hi.ok ? hi.removed.map((e) => [e.iova, e.state]) : [], [[TWO_POW_63, 'orphaned'], [0xfffffffffffff000n, 'live']], 'the straddling map\'s upper rest goes with the second half');
  assert.deepEqual(t.all(), [], 'both halves together cover the space');
});

test('UPDATE range checks in the kernel\'s order: below the device range, size 0, wrap past 2^64, past the end', () => {
  const dev = { first: 0x1000n, last: 0xffffffffffn };
  assert.equal(updateRangeError(dev, 0x0n, 0x1000n), 'IOVA 0x0 is outside the device IOVA range [0x1000, 0xffffffffff] (below its start)');
  assert.equal(updateRangeError(dev, 0x2000n, 0n), 'size 0');
  assert.equal(updateRangeError(dev, 0xfffffff000n, 0x1001n), '[0xfffffff000, 0x10000000000] is outside the device IOVA range [0x1000, 0xffffffffff] (past its end)');
  assert.equal(updateRangeError(dev, 0xfffffff000n, 0x1000n), undefined, 'last byte == range.last is fine');
  const full = { first: 0n, last: 0xffffffffffffffffn };
  assert.equal(updateRangeError(full, 0x2n, 0xffffffffffffffffn), 'the range wraps past 2^64');
  assert.equal(updateRangeError(full, 0x1n, 0xffffffffffffffffn), undefined, 'ends exactly at 2^64 - 1');
  const t = new ListIotlb({ iovaRange: dev });
  const r = t.update({ iova: 0x0n, size: 0x1000n, uaddr: 0n, perm: 3 });
  assert.ok(r.verdict.kind === 'refuse' && r.verdict.cause.kind === 'range');
  assert.match(explainRefusal(r.verdict.cause, 'ASID 0'), /^the kernel rejects the range \(EINVAL\): IOVA 0x0 is outside/);
  assert.deepEqual(t.all(), []);
});

test('ASIDs are separate; an INVALIDATE in a never-created ASID is refused, and a refused UPDATE still creates its ASID', () => {
  const t = new ListIotlb({ device: 'vdpa0' });
  t.update({ asid: 0, iova: 0x1000n, size: 0x1000n, uaddr: 0xa000n, perm: 3 });
  assert.equal(t.update({ asid: 1, iova: 0x1000n, size: 0x1000n, uaddr: 0xb000n, perm: 1 }).verdict.kind, 'accept', 'same IOVA in another ASID');
  const a0 = t.translate(0, 0x1800n);
  const a1 = t.translate(1, 0x1800n);
  assert.deepEqual([a0.ok && a0.hva, a1.ok && a1.hva], [0xa800n, 0xb800n]);
  const r = t.invalidate({ asid: 2, iova: 0x1000n, size: 0x1000n, line: 30 });
  assert.ok(!r.ok && r.cause.kind === 'no-asid');
  assert.equal(r.ok ? '' : explainRefusal(r.cause, 'ASID 2 of vdpa0'), 'ASID 2 of vdpa0 was never created (no UPDATE or BATCH_BEGIN for it), so the kernel refuses the INVALIDATE');
  assert.equal(t.update({ asid: 3, iova: 0x1000n, size: 0n, uaddr: 0n, perm: 3 }).verdict.kind, 'refuse');
  assert.ok(t.invalidate({ asid: 3, iova: 0x1000n, size: 0x1000n }).ok);
  assert.deepEqual(t.asids(), [0, 1, 3]);
});
