import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerIotlbMiss } from '../../src/model/iotlb/iotlbMiss.js';
import { DeviceIotlb } from '../../src/model/iotlb/deviceIotlb.js';
import { PageTableTranslator } from './fixtures/pageTableTranslator.js';

const DEV = '00:02.0';
const MEM = [{ guestPhysAddr: 0x0n, memorySize: 0x80000000n, userspaceAddr: 0x7f0000000000n }];

test('worked example: GIOVA 0x12345678 → UPDATE iova 0x12345000 size 0x1000 uaddr 0x7f0007654000 perm 3', () => {
  // the vIOMMU maps the 4 KiB page 0x12345000 read-only; QEMU still installs RW
  const viommu = new PageTableTranslator([{ device: DEV, giova: 0x12345000n, gpa: 0x7654000n, mask: 0xfffn, perm: 1 }]);
  const r = answerIotlbMiss(viommu, DEV, 0x12345678n, false, MEM);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const u = r.update;
  assert.deepEqual([u.iova, u.size, u.uaddr, u.perm, u.gpa], [0x12345000n, 0x1000n, 0x7f0007654000n, 3, 0x7654000n]);
  assert.deepEqual(viommu.calls, [{ device: DEV, giova: 0x12345678n, access: 'read' }]);

  // and the device IOTLB pairs it with the miss that asked for it
  const iotlb = new DeviceIotlb({ device: DEV });
  const miss = iotlb.miss({ iova: 0x12345678n, perm: 1, line: 100 });
  const applied = iotlb.update({ iova: u.iova, size: u.size, uaddr: u.uaddr, perm: u.perm, line: 101 });
  assert.ok(applied.ok);
  assert.equal(miss.answeredBy?.createdLine, 101);
  const t = iotlb.translate(0, 0x12345678n);
  assert.ok(t.ok && t.hva === 0x7f0007654678n);
});

test('the UPDATE is cut at the end of the memory-table region', () => {
  const viommu = new PageTableTranslator([{ device: DEV, giova: 0x40000000n, gpa: 0x1fe00000n, mask: 0x1fffffn, perm: 3 }]); // 2 MiB page
  const mem = [{ guestPhysAddr: 0x1000000n, memorySize: 0x1f000000n, userspaceAddr: 0x7f0001000000n }]; // GPA [0x1000000, 0x20000000)
  const r = answerIotlbMiss(viommu, DEV, 0x40123456n, true, mem);
  assert.ok(r.ok);
  assert.equal(r.update.iova, 0x40000000n);
  assert.equal(r.update.size, 0x200000n, 'whole 2 MiB page fits: 0x20000000 - 0x1fe00000');
  assert.equal(r.update.uaddr, 0x7f0001000000n + (0x1fe00000n - 0x1000000n));
  const short = answerIotlbMiss(viommu, DEV, 0x40123456n, true, [{ guestPhysAddr: 0x1000000n, memorySize: 0x1ef00000n, userspaceAddr: 0x7f0001000000n }]);
  assert.ok(short.ok);
  assert.equal(short.update.size, 0x100000n, 'only 1 MiB left in the region');
  assert.equal(viommu.calls[0]!.access, 'write');
});

test('no vIOMMU translation, or a GPA outside the memory table, is a clear failure', () => {
  const viommu = new PageTableTranslator([{ device: DEV, giova: 0x1000n, gpa: 0xfee00000n, mask: 0xfffn, perm: 3 }]);
  const none = answerIotlbMiss(viommu, DEV, 0x9000n, false, MEM);
  assert.equal(none.ok, false);
  assert.match(none.ok ? '' : none.reason, /IOTLB miss at GIOVA 0x9000 of 00:02.0: vIOMMU has no translation \(no page for 0x9000\)/);
  const outside = answerIotlbMiss(viommu, DEV, 0x1234n, false, MEM);
  assert.equal(outside.ok, false);
  assert.match(outside.ok ? '' : outside.reason, /GPA 0xfee00000 is in no vhost memory table region/);
});
