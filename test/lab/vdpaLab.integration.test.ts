// The vDPA lab (test/lab/run-lab.sh): a real VDUSE device behind vhost-vdpa, driven by real QEMU
// 7.2 and 10.0. Checks the product against what the device itself saw (device.log) and against
// QEMU's own tree rules, never against a heuristic.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { labRun, scenarioFile, scenarios, type LabRun } from './labRun.js';
import { parseDeviceLog, type DeviceUpdate } from './deviceLog.js';
import { traceLines, wrongUnmaps, deviceBefore, type TraceLine } from './groundTruth.js';
import { compareIotlb, describeDifference, type Difference, type Translation } from './iotlbCompare.js';
import { parseMaps, privateVma, type Vma } from './qemuMaps.js';
import { checkCores } from './coreChecks.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTraceText } from '../../src/trace/analyze.js';
import { parseQemuLog } from '../../src/trace/qemuLog.js';
import { readTraceText } from '../../src/trace/read/traceReader.js';
import type { TraceEngine } from '../../src/trace/replay/engine.js';

let run: LabRun;
before(async () => {
  run = await labRun();
});

test('the lab ran every scenario', () => {
  assert.equal(run.status, 0, `run-lab.sh failed:\n${run.log.slice(-3000)}`);
});

/** The product's view of the device's ASID 0 IOTLB after trace line `line`. */
function modelIotlb(engine: TraceEngine, line: number): Translation[] {
  const tables = engine.timeline.tables.filter((t) => t.kind === 'iotlb' && (t.asid ?? 0) === 0);
  return tables.flatMap((t) => engine.timeline.liveAt(t.id, line).map((r) => ({ start: r.start, last: r.last, hva: r.target, perm: r.perm, owner: r.owner })));
}

function deviceIotlb(u: DeviceUpdate): Translation[] {
  return u.entries.map((e) => ({ start: e.iova, last: e.last, hva: e.hva, perm: e.perm }));
}

/**
 * vhost-vdpa runs a VDUSE device in VA mode: it maps only shared file-backed VMAs and skips the
 * rest while the map ioctl succeeds. Private memory (QEMU 7.2's SVQ vrings, the BIOS ROM's RAM
 * block) is therefore in QEMU's view and the model, never in the device. Named here by the VMA
 * QEMU really had (its /proc/PID/maps after each start), not guessed from the trace.
 */
function vaModeSkipped(d: Difference, maps: readonly Vma[][]): Vma | undefined {
  if (d.device !== undefined || d.model?.hva === undefined) return undefined;
  return privateVma(maps, d.model.hva + (d.start - d.model.start), d.last - d.start + 1n);
}

for (const s of scenarios()) {
  describe(`lab scenario ${s.name} (QEMU ${s.qemu}${s.debug ? ' built with debug info' : ''}, SVQ ${s.svq ? 'on' : 'off'}${s.iommu ? ', intel-iommu' : ''})`, () => {
    let trace: string;
    let lines: TraceLine[];
    let updates: DeviceUpdate[];
    let engine: TraceEngine;
    let maps: Vma[][];
    before(() => {
      maps = ['qemu-maps-start1.txt', 'qemu-maps-start2.txt']
        .map((f) => join(run.dir, s.name, f))
        .filter((p) => existsSync(p))
        .map((p) => parseMaps(scenarioFile(run, s.name, p.slice(p.lastIndexOf('/') + 1))));
      trace = scenarioFile(run, s.name, 'trace.log');
      lines = traceLines(trace);
      updates = parseDeviceLog(scenarioFile(run, s.name, 'device.log')).updates;
      // as a user runs it: the trace with QEMU's own stderr (-msg timestamp=on), `check --qemu-log`
      engine = analyzeTraceText(trace, undefined, { qemuLogData: parseQemuLog(scenarioFile(run, s.name, 'qemu-stderr.log'), 'qemu-stderr.log') });
    });

    test('the scenario happened: right QEMU, two device starts, the alias while the device ran', (t) => {
      const versions = scenarioFile(run, s.name, 'versions.txt');
      assert.match(versions, s.qemu === '7.2' ? /QEMU emulator version 7\.2\./ : /QEMU emulator version 10\.0\./);
      t.diagnostic(versions.trim().replace(/\n/g, '; '));
      const starts = lines.filter((l) => l.name === 'vhost_vdpa_dev_start' && /started: 1/.test(l.text));
      if (!(s.iommu && s.svq)) assert.equal(starts.length, 2, 'device starts (before and after system_reset)');
      if (s.aliasRequired) {
        assert.ok(lines.some((l) => l.name === 'vhost_vdpa_listener_region_add' && /^\S+ \S+ iova 0xfeda0000 /.test(l.text)), 'smram-open-high reached the listener');
      }
      assert.ok(updates.length > 0, 'the device received IOTLB updates');
    });

    test('every event of the trace is known and parses', () => {
      const recs = readTraceText(trace, {});
      const unknown = recs.filter((r) => (r.kind === 'event' && r.def === undefined) || r.kind === 'text').map((r) => r.line);
      const malformed = recs.filter((r) => r.kind === 'malformed').map((r) => `${r.line}: ${r.kind === 'malformed' ? r.reason : ''}`);
      assert.deepEqual({ unknown, malformed }, { unknown: [], malformed: [] });
      assert.equal(recs.filter((r) => r.kind === 'event').length, lines.length);
    });

    test("at every listener commit and every IOTLB push, the model's IOTLB is the device's", (t) => {
      // each commit (BATCH_END) makes the kernel push its whole IOTLB to the device once
      const commits = lines.filter((l) => l.name === 'vhost_vdpa_listener_commit');
      const unpushed = commits.filter((c) => {
        const next = lines.find((l) => l.line > c.line);
        return !updates.some((u) => u.timeUs > c.timeUs && (!next || u.timeUs < next.timeUs));
      });
      assert.deepEqual(unpushed.map((c) => c.line), [], 'commits the device saw no IOTLB for');
      assert.ok(maps.length > 0, 'QEMU maps were saved after the device start');
      const vaMode = new Map<string, number>();
      const wrong: string[] = [];
      let unplaced = 0;
      for (const u of updates) {
        const at = [...lines].reverse().find((l) => l.timeUs < u.timeUs);
        if (!at) continue;
        unplaced += u.entries.filter((e) => e.hva === undefined).length;
        for (const d of compareIotlb(modelIotlb(engine, at.line), deviceIotlb(u))) {
          const vma = vaModeSkipped(d, maps);
          const what = `after trace line ${at.line} (device update ${u.seq}): ${describeDifference(d)}`;
          if (vma) vaMode.set(`${d.model?.owner ?? '?'} in private memory ${vma.text}`, (vaMode.get(`${d.model?.owner ?? '?'} in private memory ${vma.text}`) ?? 0) + 1);
          else wrong.push(what);
        }
      }
      t.diagnostic(`${s.name}: ${updates.length} device IOTLB updates compared (${commits.length} listener commits), ${wrong.length} disagreements; ${unplaced} device entries held memory QEMU had already unmapped (range and permission compared)`);
      for (const [what, n] of vaMode) t.diagnostic(`${s.name}: VA mode, not given to the VDUSE device (${n} updates): ${what}`);
      if (s.qemu === '7.2' && s.svq) assert.ok([...vaMode.keys()].some((k) => /host-only/.test(k)), 'QEMU 7.2 SVQ vrings (private memory) are missing from the device');
      assert.deepEqual(wrong, []);
    });

    test('wrong unmaps are flagged exactly where the device lost another section’s map, and nothing else', (t) => {
      const truth = wrongUnmaps(lines, updates);
      const diags = engine.diagnostics().filter((d) => d.severity !== 'info');
      const aliased = diags.filter((d) => d.code === 'aliased-unmap').map((d) => d.line);
      t.diagnostic(`${s.name}: wrong unmaps per device.log at lines ${truth.map((w) => `${w.line} (took line ${w.removedMapLine}'s map)`).join(', ') || 'none'}; product flags ${aliased.join(', ') || 'none'}`);
      assert.deepEqual(aliased, truth.map((w) => w.line));
      if (s.qemu === '7.2' && s.svq) {
        assert.ok(truth.length >= 2, 'QEMU 7.2 with SVQ and the SMRAM alias unmaps the wrong map, then once more at the stop');
        assert.deepEqual(diags.filter((d) => d.code !== 'aliased-unmap').map((d) => `${d.line} ${d.code}: ${d.message}`), []);
      } else if (!(s.iommu && s.svq)) {
        assert.deepEqual(diags.map((d) => `${d.line} ${d.severity} ${d.code}: ${d.message}`), []);
      }
    });

    test('at the end of the trace the model still holds what the device holds', (t) => {
      // the kernel pushes its whole IOTLB on every change it accepts, so between pushes the device's
      // last view is the kernel's IOTLB: a refused map or a device reset changes nothing there
      const last = lines[lines.length - 1];
      const view = deviceBefore(updates, last.timeUs + 1n);
      assert.ok(view, 'the device received an IOTLB');
      const wrong = compareIotlb(modelIotlb(engine, last.line), deviceIotlb(view))
        .filter((d) => !vaModeSkipped(d, maps))
        .map(describeDifference);
      t.diagnostic(`${s.name}: after the last trace line ${last.line}, ${wrong.length} disagreements with the device's last IOTLB (update ${view.seq})`);
      assert.deepEqual(wrong, []);
    });

    if (s.debug) {
      test(`QEMU's own VhostIOVATree, read from cores at three moments, equals the model's tree from the trace at each${s.qemu === '7.2' ? '; with the SMRAM alias open its aliased nodes are reported' : ''}`, async (t) => {
        await checkCores(t, run, s, trace, lines);
      });
    }

    if (s.iommu && s.svq) {
      test('QEMU 10.0 refuses SVQ under a vIOMMU after mapping its vrings; the maps outlive the reset and the next start is refused (errno 14)', () => {
        const stderr = scenarioFile(run, s.name, 'qemu-stderr.log');
        assert.match(stderr, /SVQ can not work while IOMMU enable/);
        const refusal = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6})Z .*errno=14/m.exec(stderr);
        assert.ok(refusal, 'QEMU reported errno 14');
        const whenUs = BigInt(Date.parse(refusal[1].slice(0, 19) + 'Z')) * 1000n + BigInt(refusal[1].slice(20));
        const refused = [...lines].reverse().find((l) => l.timeUs < whenUs);
        assert.equal(refused?.name, 'vhost_vdpa_dma_map', 'the refused message is the map traced just before the error');
        const iova = BigInt(/iova: (0x[0-9a-f]+)/.exec(refused.text)![1]);
        const reset = lines.find((l) => l.name === 'vhost_vdpa_reset_device' && lines.some((d) => d.name === 'vhost_vdpa_dma_map' && d.line < l.line));
        assert.ok(reset && reset.line < refused.line, 'a device reset came between the first maps and the refused one');
        const held = deviceBefore(updates, refused.timeUs);
        assert.ok(held && held.timeUs < reset.timeUs, 'the device got no IOTLB push between the first start and the refused map');
        assert.ok(held.entries.some((e) => e.iova <= iova && iova <= e.last), `the device still held IOVA 0x${iova.toString(16)} from before the reset`);
      });
    }
  });
}
