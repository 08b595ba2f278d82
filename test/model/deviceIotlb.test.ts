import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceIotlb, IotlbInputError } from '../../src/model/iotlb/deviceIotlb.js';
import { VHOST_BACKEND_F_IOTLB_BATCH, VHOST_BACKEND_F_IOTLB_MSG_V2, VHOST_BACKEND_F_IOTLB_PERSIST } from '../../src/model/iotlb/vhostUapi.js';

const TWO_POW_63 = 0x8000000000000000n;
const span = (t: DeviceIotlb, asid = 0) => t.entries(asid).map((e) => [e.iova, e.last, e.uaddr]);

test('§9.10: UPDATE inside an existing map is refused (EEXIST inside, errno 14 in QEMU) and leaves the state unchanged', () => {
  const t = new DeviceIotlb({ device: 'vdpa0' });
  const first = t.update({ asid: 0, iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3, line: 5 });
  assert.ok(first.ok);
  assert.deepEqual(span(t), [[0x1000n, 0x80000fffn, 0x7f7903e00000n]]);
  const before = structuredClone(span(t));
  const r = t.update({ asid: 0, iova: 0x2000n, size: 0x1000n, uaddr: 0x7f0000000000n, perm: 3, line: 9 });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errno, 'EEXIST');
  assert.equal(r.code, -17);
  assert.equal(r.writeErrno, 'EFAULT');
  assert.equal(r.conflicts?.[0], first.entry);
  assert.match(r.reason, /UPDATE iova 0x2000 size 0x1000 \(line 9\) refused: the kernel still holds the live map \[0x1000, 0x80000fff\] from line 5 in ASID 0 of vdpa0/);
  assert.deepEqual(span(t), before);
  // touching, not overlapping: accepted on both sides
  assert.ok(t.update({ iova: 0x80001000n, size: 0x1000n, uaddr: 0x1000n, perm: 1 }).ok);
  assert.ok(t.update({ iova: 0x0n, size: 0x1000n, uaddr: 0x2000n, perm: 1 }).ok);
  assert.equal(t.update({ iova: 0x80000fffn, size: 0x1n, uaddr: 0x3000n, perm: 1 }).ok, false, 'last byte of the 2 GiB map still overlaps');
});

test('§9.10: INVALIDATE of one page removes the map from QEMU\'s view; the rest stays orphaned (possibly still mapped)', () => {
  const t = new DeviceIotlb();
  t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3, line: 5 });
  t.update({ iova: 0x80001000n, size: 0x1f80000000n, uaddr: 0x7f7983e00000n, perm: 3, line: 9 });
  const r = t.invalidate({ iova: 0x2000n, size: 0x1000n, line: 17 });
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.removed.map((e) => [e.iova, e.last, e.createdLine, e.removedLine, e.removedBy]), [[0x1000n, 0x80000fffn, 5, 17, 'invalidate']]);
  assert.deepEqual(r.orphaned.map((e) => [e.iova, e.last, e.uaddr, e.state, e.createdLine, e.cutLine]), [
    [0x1000n, 0x1fffn, 0x7f7903e00000n, 'orphaned', 5, 17],
    [0x3000n, 0x80000fffn, 0x7f7903e02000n, 'orphaned', 5, 17],
  ]);
  assert.deepEqual(span(t), [[0x80001000n, 0x2000000fffn, 0x7f7983e00000n]], 'only live entries are QEMU\'s maps');
  const miss = t.translate(0, 0x400000n);
  assert.equal(miss.ok, false);
  assert.match(miss.ok ? '' : miss.reason, /not mapped in ASID 0 .*possibly still mapped rest of the map from line 5/);
  // §9.10: a later UPDATE inside the rest fails when the log says so — and that confirms the rest
  const refused = t.update({ iova: 0x500000n, size: 0x1000n, uaddr: 0x1000n, perm: 3, line: 20, outcome: 'refused' });
  assert.equal(refused.ok, false);
  assert.match(refused.ok ? '' : refused.reason, /the orphaned rest \[0x3000, 0x80000fff\] of the map from line 5 cut by the INVALIDATE at line 17/);
  assert.equal(t.allEntries().find((e) => e.iova === 0x3000n)?.confirmedLine, 20);
  // the small map at the cut succeeds: the chunk that held it is gone, from the cut up to its end
  const ok = t.update({ iova: 0x2000n, size: 0x1000n, uaddr: 0x1000n, perm: 3, line: 21 });
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok ? [ok.cleared, ok.uncertain] : [], [[], []], 'nothing orphaned at the invalidated page');
  const above = t.update({ iova: 0x3000n, size: 0x2000n, uaddr: 0x2000n, perm: 3, line: 22, outcome: 'accepted' });
  assert.ok(above.ok);
  assert.deepEqual(above.ok ? above.cleared : [], [{ first: 0x3000n, last: 0x4fffn }]);
  assert.deepEqual(t.allEntries().filter((e) => e.state === 'orphaned').map((e) => [e.iova, e.last]), [[0x1000n, 0x1fffn], [0x5000n, 0x80000fffn]]);
});

test('an UPDATE that only overlaps an orphan is uncertain without QEMU\'s log; a success far from the cut clears the stretch from the cut', () => {
  const t = new DeviceIotlb();
  t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f0000000000n, perm: 3, line: 5 });
  t.invalidate({ iova: 0x1000n, size: 0x20000n, line: 17 });
  const u = t.update({ iova: 0x100000n, size: 0x1000n, uaddr: 0x1000n, perm: 3, line: 30 });
  assert.ok(u.ok);
  assert.deepEqual(u.ok ? u.uncertain.map((e) => [e.iova, e.last]) : [], [[0x21000n, 0x80000fffn]]);
  assert.deepEqual(u.ok ? u.cleared : [], [{ first: 0x21000n, last: 0x100fffn }], 'the dropped chunk reached from the cut to at least the map end');
  const stillThere = t.update({ iova: 0x80000000n, size: 0x1000n, uaddr: 0x2000n, perm: 3, line: 31, outcome: 'refused' });
  assert.equal(stillThere.ok, false);
  assert.equal(stillThere.ok ? '' : stillThere.writeErrno, 'EFAULT');
});

test('INVALIDATE of unmapped space is fine; one byte of overlap removes a neighbour whole', () => {
  const t = new DeviceIotlb();
  t.update({ iova: 0x10000n, size: 0x1000n, uaddr: 0xa000n, perm: 3 });
  t.update({ iova: 0x20000n, size: 0x1000n, uaddr: 0xb000n, perm: 3 });
  const none = t.invalidate({ iova: 0x11000n, size: 0xf000n });
  assert.ok(none.ok && none.removed.length === 0);
  assert.equal(t.entries().length, 2);
  const edge = t.invalidate({ iova: 0x10fffn, size: 0xf002n }); // [0x10fff, 0x20000]: one byte of each, the rests orphaned
  assert.ok(edge.ok);
  assert.deepEqual(edge.ok ? edge.removed.map((e) => e.iova) : [], [0x10000n, 0x20000n]);
});

test('full-space unmap split in two INVALIDATEs of 2^63 works without overflow', () => {
  const t = new DeviceIotlb();
  t.update({ iova: 0x0n, size: 0x1000n, uaddr: 0x1000n, perm: 3 });
  t.update({ iova: 0x7ffffffffffff000n, size: 0x2000n, uaddr: 0x2000n, perm: 3 }); // straddles 2^63
  t.update({ iova: 0xfffffffffffff000n, size: 0x1000n, uaddr: 0x3000n, perm: 3 }); // the very top page
  const lo = t.invalidate({ iova: 0x0n, size: TWO_POW_63 });
  assert.ok(lo.ok);
  assert.deepEqual(lo.ok ? lo.removed.map((e) => e.iova) : [], [0x0n, 0x7ffffffffffff000n]);
  const hi = t.invalidate({ iova: TWO_POW_63, size: TWO_POW_63 }); // end = 2^64 - 1, computed in u64
  assert.ok(hi.ok);
  assert.deepEqual(hi.ok ? hi.removed.map((e) => [e.iova, e.state]) : [], [[TWO_POW_63, 'orphaned'], [0xfffffffffffff000n, 'live']], 'the straddling map\'s upper rest goes with the second half');
  assert.equal(t.entries().length, 0);
  assert.equal(t.allEntries().length, 0, 'nothing orphaned: both halves together cover the space');
});

test('UPDATE range checks give EINVAL like the kernel: size 0, wrap, outside the device range', () => {
  const t = new DeviceIotlb({ iovaRange: { first: 0x1000n, last: 0xffffffffffn } });
  const einval = (r: ReturnType<DeviceIotlb['update']>, why: RegExp) => {
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.errno, 'EINVAL');
      assert.equal(r.code, -22);
      assert.match(r.reason, why);
    }
  };
  einval(t.update({ iova: 0x0n, size: 0x1000n, uaddr: 0n, perm: 3, line: 4 }), /UPDATE iova 0x0 size 0x1000 \(line 4\) refused: the kernel rejects the range \(EINVAL\): IOVA 0x0 is outside the device IOVA range \[0x1000, 0xffffffffff\] \(below its start\)/);
  einval(t.update({ iova: 0x2000n, size: 0n, uaddr: 0n, perm: 3 }), /size 0/);
  einval(t.update({ iova: 0xfffffff000n, size: 0x1001n, uaddr: 0n, perm: 3 }), /\[0xfffffff000, 0x10000000000\] is outside the device IOVA range \[0x1000, 0xffffffffff\] \(past its end\)/);
  assert.ok(t.update({ iova: 0xfffffff000n, size: 0x1000n, uaddr: 0n, perm: 3 }).ok, 'last byte == range.last is fine');
  const full = new DeviceIotlb();
  einval(full.update({ iova: 0x2n, size: 0xffffffffffffffffn, uaddr: 0n, perm: 3 }), /wraps past 2\^64/);
  assert.ok(full.update({ iova: 0x1n, size: 0xffffffffffffffffn, uaddr: 0n, perm: 3 }).ok, 'ends exactly at 2^64 - 1');
  assert.equal(t.entries().length, 1);
  assert.throws(() => t.update({ iova: -1n, size: 1n, uaddr: 0n, perm: 3, line: 7 }), (e: unknown) => e instanceof IotlbInputError && /UPDATE iova -1 \(line 7\) is not a u64/.test(e.message));
});

test('ASIDs are separate; INVALIDATE on a never-created ASID is refused', () => {
  const t = new DeviceIotlb({ device: 'vdpa0' });
  t.update({ asid: 0, iova: 0x1000n, size: 0x1000n, uaddr: 0xa000n, perm: 3 });
  assert.ok(t.update({ asid: 1, iova: 0x1000n, size: 0x1000n, uaddr: 0xb000n, perm: 1 }).ok, 'same IOVA in another ASID');
  const a0 = t.translate(0, 0x1800n);
  const a1 = t.translate(1, 0x1800n);
  assert.ok(a0.ok && a0.hva === 0xa800n);
  assert.ok(a1.ok && a1.hva === 0xb800n && a1.entry.perm === 1);
  assert.deepEqual(t.translate(2, 0x1800n), { ok: false, reason: 'IOVA 0x1800 not mapped in ASID 2 of vdpa0' });
  const r = t.invalidate({ asid: 2, iova: 0x1000n, size: 0x1000n, line: 30 });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /INVALIDATE iova 0x1000 \(line 30\) refused: ASID 2 of vdpa0 was never created/);
  assert.deepEqual(t.asids(), [0, 1]);
  // a refused UPDATE still creates its ASID (the kernel allocates it before checking)
  assert.equal(t.update({ asid: 3, iova: 0x1000n, size: 0n, uaddr: 0n, perm: 3 }).ok, false);
  const ok3 = t.invalidate({ asid: 3, iova: 0x1000n, size: 0x1000n });
  assert.ok(ok3.ok && ok3.removed.length === 0);
  assert.deepEqual(t.asids(), [0, 1, 3]);
});

test('a reset never clears vhost-vdpa\'s IOTLB: a map QEMU never unmapped survives it and refuses the next UPDATE', () => {
  const fill = (t: DeviceIotlb) => {
    t.update({ asid: 0, iova: 0x1000n, size: 0x2000n, uaddr: 0x7f0000001000n, perm: 3, line: 5 });
    t.update({ asid: 1, iova: 0x1000n, size: 0x2000n, uaddr: 0x7f0000101000n, perm: 3, line: 6 });
  };
  const legacy = new DeviceIotlb({ backendFeatures: (1n << VHOST_BACKEND_F_IOTLB_MSG_V2) | (1n << VHOST_BACKEND_F_IOTLB_BATCH) });
  fill(legacy);
  assert.equal(legacy.iotlbPersist, false);
  const r = legacy.reset();
  assert.deepEqual([r.persisted, r.parentMayDrop], [false, true], 'without the ack the parent may drop its device-side maps');
  assert.deepEqual(r.kept.map((e) => [e.asid, e.iova, e.createdLine]), [[0, 0x1000n, 5], [1, 0x1000n, 6]]);
  assert.ok(legacy.translate(0, 0x1000n).ok);
  const again = legacy.update({ asid: 0, iova: 0x1000n, size: 0x2000n, uaddr: 0x7f0000201000n, perm: 3, line: 50 });
  assert.equal(again.ok, false);
  assert.match(again.ok ? '' : again.reason, /the live map \[0x1000, 0x2fff\] from line 5/);

  const persist = new DeviceIotlb();
  persist.ackBackendFeatures((1n << VHOST_BACKEND_F_IOTLB_MSG_V2) | (1n << VHOST_BACKEND_F_IOTLB_PERSIST)); // 0x102
  assert.equal(persist.backendFeatures, 0x102n);
  fill(persist);
  assert.equal(persist.iotlbPersist, true);
  const p = persist.reset();
  assert.deepEqual([p.persisted, p.parentMayDrop, p.kept.length], [true, false, 2]);
  // bit 8 means mask 0x100, not 0x8
  assert.equal(new DeviceIotlb({ backendFeatures: 0x8n }).iotlbPersist, false);
});

test('MISS stays pending until an UPDATE covering it answers it; the entry keeps its misses', () => {
  const t = new DeviceIotlb();
  const m1 = t.miss({ iova: 0x12345678n, perm: 1, line: 10 });
  const m2 = t.miss({ iova: 0x22222000n, perm: 2, line: 11 });
  assert.equal(t.pendingMisses().length, 2);
  const u = t.update({ iova: 0x12345000n, size: 0x1000n, uaddr: 0x7f0007654000n, perm: 3, line: 12 });
  assert.ok(u.ok);
  assert.deepEqual(u.ok ? u.answered : [], [m1]);
  assert.equal(m1.answeredBy, u.ok ? u.entry : undefined);
  assert.equal(m1.permOk, true);
  assert.deepEqual(t.pendingMisses(), [m2]);
  const ro = t.update({ iova: 0x22222000n, size: 0x1000n, uaddr: 0x1000n, perm: 1, line: 13 });
  assert.ok(ro.ok);
  assert.equal(m2.permOk, false, 'a read-only answer does not satisfy a write miss');
  const fail = t.accessFail({ iova: 0x22222000n, perm: 2, line: 14 });
  assert.deepEqual(t.accessFails, [fail]);
});

test('BATCH_BEGIN/END: in-batch flag, the messages of each batch, ASID created by BEGIN', () => {
  const t = new DeviceIotlb();
  assert.equal(t.inBatch, false);
  t.batchBegin({ asid: 1, line: 4 });
  assert.equal(t.inBatch, true);
  assert.deepEqual(t.asids(), [1]);
  t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3, line: 5 });
  t.update({ iova: 0x2000n, size: 0x1000n, uaddr: 0x1n, perm: 3, line: 5 }); // EEXIST, still part of the batch
  const b = t.batchEnd({ line: 6 });
  assert.equal(t.inBatch, false);
  assert.deepEqual(b?.messages.map((m) => [m.type, m.line, m.result]), [[2, 5, 'ok'], [2, 5, 'EEXIST']]);
  assert.equal(b?.beginLine, 4);
  assert.equal(b?.endLine, 6);
  t.invalidate({ iova: 0x1000n, size: 0x1000n, line: 7 }); // outside any batch
  assert.equal(t.batches.length, 1);
  assert.equal(t.batches[0]!.messages.length, 2);
  assert.equal(t.batchEnd({ line: 8 }), undefined, 'END without BEGIN is harmless');
});

test('reverse lookup by HVA finds every IOVA holding it', () => {
  const t = new DeviceIotlb();
  t.update({ iova: 0x1000n, size: 0x80000000n, uaddr: 0x7f7903e00000n, perm: 3 });
  t.update({ iova: 0x2000001000n, size: 0x20000n, uaddr: 0x7f7903ea0000n, perm: 3 });
  assert.deepEqual(t.entriesForHva(0, 0x7f7903eb0000n).map((e) => e.iova), [0x1000n, 0x2000001000n]);
  assert.deepEqual(t.entriesForHva(0, 0x7f7903e00000n - 1n), []);
  t.invalidate({ iova: 0x1000n, size: 0x1000n });
  assert.deepEqual(t.entriesForHva(0, 0x7f7903eb0000n).map((e) => e.iova), [0x2000001000n], 'index follows changes');
});
