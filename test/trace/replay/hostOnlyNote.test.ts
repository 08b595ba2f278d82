// A VA-mode device (VDUSE) is given only maps of shared memory. On the real QEMU 7.2 + SVQ lab run
// the SVQ vrings are private memory: QEMU's map ioctls succeed, yet the device's own IOTLB never
// holds them. Resolving such an IOVA must say so; resolving guest RAM (shared) must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { parseQemuLog } from '../../../src/trace/qemuLog.js';
import { HOST_ONLY_VA_NOTE } from '../../../src/trace/replay/resolveAt.js';
import { parseDeviceLog } from '../../lab/deviceLog.js';

const DIR = 'samples/vdpa-lab-qemu-7.2-svq';
const engine = analyzeTraceText(readFileSync(`${DIR}/trace.log`, 'utf8'), undefined, {
  qemuLogData: parseQemuLog(readFileSync(`${DIR}/qemu-stderr.log`, 'utf8'), 'qemu-stderr.log'),
});
const deviceHeld = (iova: bigint): boolean =>
  parseDeviceLog(readFileSync(`${DIR}/device.log`, 'utf8')).updates.some((u) => u.entries.some((e) => e.iova <= iova && iova <= e.last));

test('an SVQ vring IOVA of the real 7.2 run resolves to host-only memory with the VA-mode note; the device never held it', () => {
  const r = engine.resolve('iova', 0x1000n, 50, {});
  assert.equal(r.error, undefined);
  assert.equal(r.hops[1]?.space, 'hva');
  assert.match(r.hops[1]?.owner ?? '', /^host-only memory/);
  assert.equal(r.note, HOST_ONLY_VA_NOTE);
  assert.equal(deviceHeld(0x1000n), false, "device.log: the VDUSE device's IOTLB never had IOVA 0x1000");
});

test('guest RAM of the same run (shared memfd) resolves without the note, and the device held it', () => {
  const r = engine.resolve('iova', 0x8000n, 60, {});
  assert.deepEqual(r.hops.map((h) => h.space), ['iova', 'hva', 'gpa']);
  assert.equal(r.note, undefined);
  assert.equal(deviceHeld(0x8000n), true);
});
