// QEMU's answer to a vhost device-IOTLB miss (planMissUpdate, the rule the trace replay runs):
// page-aligned IOVA, min(page, bytes left in the memory-table region), uaddr from that region, RW.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planMissUpdate, type VhostMemoryRegion } from '../../src/model/iotlb/iotlbMiss.js';

const MEM = [{ guestPhysAddr: 0x0n, memorySize: 0x80000000n, userspaceAddr: 0x7f0000000000n }];
const table = (mem: VhostMemoryRegion[]) => (g: bigint) => mem.find((r) => r.guestPhysAddr <= g && g - r.guestPhysAddr < r.memorySize);

test('worked example: GIOVA 0x12345678 → UPDATE iova 0x12345000 size 0x1000 uaddr 0x7f0007654000 perm 3', () => {
  // the vIOMMU maps the 4 KiB page 0x12345000 (read-only or not, QEMU installs RW); the translated address may carry the offset
  const r = planMissUpdate({ giova: 0x12345678n, pageMask: 0xfffn, gpa: 0x7654678n }, table(MEM));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const u = r.update;
  assert.deepEqual([u.iova, u.size, u.uaddr, u.perm, u.gpa], [0x12345000n, 0x1000n, 0x7f0007654000n, 3, 0x7654000n]);
});

test('the UPDATE is cut at the end of the memory-table region', () => {
  const mem = [{ guestPhysAddr: 0x1000000n, memorySize: 0x1f000000n, userspaceAddr: 0x7f0001000000n }]; // GPA [0x1000000, 0x20000000)
  const page = { giova: 0x40123456n, pageMask: 0x1fffffn, gpa: 0x1fe00000n }; // 2 MiB page
  const r = planMissUpdate(page, table(mem));
  assert.ok(r.ok);
  assert.equal(r.update.iova, 0x40000000n);
  assert.equal(r.update.size, 0x200000n, 'whole 2 MiB page fits: 0x20000000 - 0x1fe00000');
  assert.equal(r.update.uaddr, 0x7f0001000000n + (0x1fe00000n - 0x1000000n));
  const short = planMissUpdate(page, table([{ guestPhysAddr: 0x1000000n, memorySize: 0x1ef00000n, userspaceAddr: 0x7f0001000000n }]));
  assert.ok(short.ok);
  assert.equal(short.update.size, 0x100000n, 'only 1 MiB left in the region');
});

test('a GPA outside the memory table is a clear failure', () => {
  const outside = planMissUpdate({ giova: 0x1234n, pageMask: 0xfffn, gpa: 0xfee00000n }, table(MEM));
  assert.equal(outside.ok, false);
  assert.match(outside.ok ? '' : outside.reason, /GPA 0xfee00000 is in no vhost memory table region \(QEMU: "Fail to lookup the translated address"\)/);
});
