// The real failing pattern of scenarios.md §1 (Si-Wei Liu's trace, written to its shape): a wrong
// unmap cuts the 2 GiB low-RAM map, its rest stays in the kernel orphaned, QEMU's allocator hands
// IOVA 0x1000 out again and again, each big map there is refused (errno 14) and dropped, and the
// small SVQ maps inside the freed chunk succeed. QEMU's error lines come interleaved, or merged
// from its stderr by time (--qemu-log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, brief, fixture, relatedLines } from './fixtures.js';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { parseQemuLog } from '../../../src/trace/qemuLog.js';
import type { TraceEngine } from '../../../src/trace/replay/engine.js';

const orphansAt = (e: TraceEngine, line: number) => e.stateAt(line).find((t) => t.table.kind === 'iotlb-orphan')?.mappings.map((m) => [m.start, m.last]) ?? [];
const liveAt = (e: TraceEngine, line: number) => e.stateAt(line).find((t) => t.table.kind === 'iotlb')!.mappings.map((m) => [m.start, m.last, m.createdLine]);

test('Si-Wei pattern, errors interleaved: the wrong unmap flagged, each refused map explained by the orphaned rest, nothing false after', async () => {
  const engine = await analyze(fixture('siwei-orphan-svq.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['leak-at-end warning 13', 'aliased-unmap error 17', 'map-failed error 22', 'map-failed error 28']);
  const [first, second] = diags.filter((d) => d.code === 'map-failed');
  assert.match(first.message, /^dma_map of IOVA \[0x1000, 0x40000fff\] \(ASID 0\) at line 21 failed \(errno 14: QEMU reads EFAULT for every refused IOTLB message/);
  assert.match(first.message, /the orphaned rest \[0x21000, 0x80000fff\] of the map from line 5 cut by the INVALIDATE at line 17/);
  assert.doesNotMatch(first.message, /address space|ASID 0 .* never created/, 'errno 14 is not read as a missing ASID');
  assert.deepEqual(relatedLines(first), [21, 5, 17]);
  assert.match(second.message, /at line 27 failed .*still held as a refusal at line 21 showed/);
  // refused maps never existed: IOVA 0x1000 is free until the SVQ vring takes it at line 31
  assert.deepEqual(liveAt(engine, 30), [[0x80001000n, 0x2000000fffn, 9], [0x2000001000n, 0x2000020fffn, 13]]);
  assert.ok(engine.resolve('iova', 0x1000n, 24, { asid: 0 }).error, 'the refused map at line 21 is never mapped');
  assert.ok(engine.resolve('iova', 0x1000n, 21, { asid: 0 }).error, 'not even on its own line');
  const ring = engine.resolve('iova', 0x1800n, 31, { asid: 0 });
  assert.equal(ring.hops.find((h) => h.space === 'hva')?.addr, 0x7f6a00000800n, 'the small map inside the freed chunk succeeded');
  assert.deepEqual(orphansAt(engine, 32), [[0x21000n, 0x80000fffn]], 'the rest stays, confirmed twice');
  const inRest = engine.resolve('iova', 0x500000n, 24, { asid: 0 });
  assert.match(inRest.error ?? '', /^0x500000 is not mapped/);
  assert.match(inRest.note ?? '', /IOVA 0x500000 lies in the orphaned rest of GPA \[0x0, 0x7fffffff\] IOVA \[0x1000, 0x80000fff\] \(line 5, cut at line 17\): possibly still mapped in the kernel \(QEMU no longer maps it; if the kernel does, to HVA 0x7f79042ff000\)/);
  assert.deepEqual(orphansAt(engine, 16), [], 'no orphan before the wrong unmap');
});

test('Si-Wei pattern, trace and QEMU stderr apart: --qemu-log merges the error lines by time onto the map they refused', async () => {
  const trace = readFileSync(fixture('siwei-orphan-svq-trace-only.log'), 'utf8');
  const log = parseQemuLog(readFileSync(fixture('siwei-orphan-svq.qemu-stderr.log'), 'utf8'), 'siwei-orphan-svq.qemu-stderr.log');
  const engine = analyzeTraceText(trace, undefined, { qemuLogData: log });
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['qemu-log info 1', 'leak-at-end warning 13', 'aliased-unmap error 17', 'map-failed error 21', 'map-failed error 25']);
  const failed = diags.filter((d) => d.code === 'map-failed');
  assert.match(failed[0].message, /at line 21 failed .*\[siwei-orphan-svq\.qemu-stderr\.log:2\]: the kernel still holds the orphaned rest \[0x21000, 0x80000fff\]/);
  assert.match(failed[1].message, /at line 25 failed .*\[siwei-orphan-svq\.qemu-stderr\.log:4\]/);
  assert.match(diags[0].message, /^1 line\(s\) of the QEMU log siwei-orphan-svq\.qemu-stderr\.log have no -msg timestamp=on time .*siwei-orphan-svq\.qemu-stderr\.log:1: qemu-system-x86_64: -netdev/);
  assert.ok(engine.resolve('iova', 0x1000n, 23, { asid: 0 }).error);
  // without the log, the same trace can only say that the map is in doubt
  const blind = analyzeTraceText(trace).diagnostics();
  const doubt = blind.find((d) => d.code === 'map-over-orphan');
  assert.equal(doubt?.line, 21);
  assert.match(doubt?.message ?? '', /overlaps the orphaned rest \[0x21000, 0x80000fff\] of the map from line 5 cut by the INVALIDATE at line 17 .*give it with --qemu-log FILE/);
});

test('a map over an orphan that QEMU does not report as failed clears the stretch from the cut: the kernel had dropped that chunk', () => {
  const trace = readFileSync(fixture('siwei-orphan-svq-trace-only.log'), 'utf8').split('\n').slice(0, 21).join('\n');
  const log = parseQemuLog('2023-11-14T22:13:20.000001Z qemu-system-x86_64: vhost-vdpa: started\n', 'stderr.log');
  const engine = analyzeTraceText(trace, undefined, { qemuLogData: log });
  assert.deepEqual(brief(engine.diagnostics()).filter((d) => !d.startsWith('leak-at-end')), ['aliased-unmap error 17']);
  assert.deepEqual(orphansAt(engine, 21), [[0x40001000n, 0x80000fffn]], 'accepted at line 21: [0x21000, 0x40000fff] was gone');
  assert.deepEqual(liveAt(engine, 21)[0], [0x1000n, 0x40000fffn, 21]);
});

test('a map QEMU never unmapped survives the reset (QEMU 10.0, SVQ + intel-iommu): the next start\'s map there is refused and explained by it', () => {
  const S = '0x5605cdf0ba20';
  const D = '0x5605cdf0bb30';
  const P = '1142@1796524571';
  const trace = [
    `${P}.100000:vhost_vdpa_init dev: ${D}, common dev: ${S} vdpa: 0x7fdfc1a18190`,
    `${P}.100100:vhost_vdpa_dma_map vdpa_shared:${S} fd: 10 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 uaddr: 0x7fdfc0951000 perm: 0x1 type: 2`,
    `${P}.100200:vhost_vdpa_dma_map vdpa_shared:${S} fd: 10 msg_type: 2 asid: 0 iova: 0x3000 size: 0x1000 uaddr: 0x7fdfc508d000 perm: 0x3 type: 2`,
    `${P}.100300:vhost_vdpa_reset_device dev: ${D}`,
    `${P}.900000:vhost_vdpa_dma_map vdpa_shared:${S} fd: 10 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 uaddr: 0x7fdfc0a51000 perm: 0x1 type: 2`,
  ].join('\n');
  const log = parseQemuLog(
    '2026-12-06T02:36:11.900100Z qemu-system-x86_64: failed to write, fd=10, errno=14 (Bad address)\n2026-12-06T02:36:11.900200Z qemu-system-x86_64: Cannot setup SVQ 0: Cannot map region to device\n',
    'qemu-stderr.log',
  );
  for (const iotlbPersist of [false, true]) {
    const engine = analyzeTraceText(trace, undefined, { qemuLogData: log, iotlbPersist });
    const diags = engine.diagnostics();
    assert.deepEqual(brief(diags), ['map-overlap error 5', 'map-failed error 5'], `IOTLB_PERSIST ${iotlbPersist}: the reset keeps vhost-vdpa's IOTLB either way`);
    assert.match(diags[0].message, /overlaps the live map \[0x1000, 0x2fff\] of host-only memory \(SVQ vring or CVQ buffer\) created at line 2, which survived the device reset at line 4/);
    assert.match(diags[1].message, /\[qemu-stderr\.log:1\]: the kernel still holds the live map \[0x1000, 0x2fff\] from line 2/);
    assert.deepEqual(relatedLines(diags[1]), [5, 2, 4]);
    const at5 = engine.resolve('iova', 0x1000n, 5, { asid: 0 });
    assert.equal(at5.hops.find((h) => h.space === 'hva')?.addr, 0x7fdfc0951000n, 'IOVA 0x1000 still goes to the first start\'s vring, not the refused one');
  }
});
