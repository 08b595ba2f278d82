// The lab suite's own yardsticks, on a committed real run (test/fixtures/vdpa-lab): the device
// log reader, the wrong-unmap finder and the IOTLB comparison must say what the run shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDeviceLog } from './deviceLog.js';
import { traceLines, wrongUnmaps } from './groundTruth.js';
import { compareIotlb } from './iotlbCompare.js';

const fixture = (scenario: string, file: string): string => readFileSync(`test/fixtures/vdpa-lab/${scenario}/${file}`, 'utf8');

test('device.log: every update lists the entries its end line counts, each placed in QEMU', () => {
  const log = parseDeviceLog(fixture('qemu72-svq-on', 'device.log'));
  assert.ok(log.updates.length >= 5);
  assert.deepEqual(
    log.updates.flatMap((u) => u.entries.filter((e) => e.hva === undefined).map((e) => `${u.seq}: 0x${e.iova.toString(16)}`)),
    [],
  );
  assert.throws(() => parseDeviceLog('1.000000 entry seq=1 iova=0x0 last=0xfff size=0x1000 perm=rw file_off=0x0 ino=1 hva=0x1000 file=-\n'), /outside its update/);
});

test('QEMU 7.2 + SVQ: the SMRAM close takes GPA 0’s map, and the stop then takes the alias’s', () => {
  const lines = traceLines(fixture('qemu72-svq-on', 'trace.log'));
  const wrong = wrongUnmaps(lines, parseDeviceLog(fixture('qemu72-svq-on', 'device.log')).updates);
  assert.deepEqual(
    wrong.map((w) => [w.section.gpa, w.removedSection?.gpa]),
    [
      [0xfeda0000n, 0n],
      [0n, 0xfeda0000n],
    ],
  );
  assert.ok(wrong[0].line < wrong[1].line);
});

test('QEMU 10.0 + SVQ and SVQ off: no unmap takes another section’s map', () => {
  for (const s of ['qemu10-svq-on', 'qemu10-svq-off', 'qemu72-svq-off']) {
    const wrong = wrongUnmaps(traceLines(fixture(s, 'trace.log')), parseDeviceLog(fixture(s, 'device.log')).updates);
    assert.deepEqual(wrong, [], s);
  }
});

test('IOTLB comparison: chunking does not matter, a different HVA or permission does', () => {
  const model = [{ start: 0x1000n, last: 0x4fffn, hva: 0x10000n, perm: 3 }];
  const chunks = [
    { start: 0x1000n, last: 0x1fffn, hva: 0x10000n, perm: 3 },
    { start: 0x2000n, last: 0x4fffn, hva: 0x11000n, perm: 3 },
  ];
  assert.deepEqual(compareIotlb(model, chunks), []);
  const moved = [chunks[0], { ...chunks[1], hva: 0x21000n }];
  assert.deepEqual(
    compareIotlb(model, moved).map((d) => [d.start, d.last]),
    [[0x2000n, 0x4fffn]],
  );
  assert.equal(compareIotlb(model, [{ ...model[0], perm: 1 }]).length, 1);
  assert.deepEqual(
    compareIotlb(model, [chunks[0]]).map((d) => [d.start, d.last, d.device]),
    [[0x2000n, 0x4fffn, undefined]],
  );
});
