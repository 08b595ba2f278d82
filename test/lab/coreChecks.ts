// Part 9 in the lab: QEMU's own VhostIOVATree, read from the cores the lab took of its debug-built
// QEMU (the product's reader, core mode: `gdb EXE CORE`), against the model's tree replayed from
// the trace cut where QEMU stopped — node by node. On 7.2 (legacy layout) the SMRAM alias puts a
// second node on low RAM's host memory: the product must report that pair as aliased.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { debugQemu } from '../harness/debugQemu.js';
import { runCliChild } from '../harness/runCliChild.js';
import { readQemuCore, internalsText } from '../../src/qemu/internals/index.js';
import type { InternalIovaTree, QemuInternals } from '../../src/model/qemuInternals.js';
import { compareIovaTrees, describeAlias, dumpAsInternal, iovaTreeAliases } from '../../src/model/vhostIovaCheck.js';
import { analyzeTraceText } from '../../src/trace/analyze.js';
import { hex } from '../../src/model/u64.js';
import type { LabRun, Scenario } from './labRun.js';
import { scenarioFile } from './labRun.js';
import type { TraceLine } from './groundTruth.js';
import { momentOf, parseCores, traceUpTo, unpackCore } from './qemuCores.js';
import { checkVhostRings } from './vhostRingChecks.js';

/** The moments the lab takes cores at (test/lab/guest/scenario.sh). */
export const CORE_MOMENTS = ['alias-open', 'alias-closed', 'restarted'] as const;

const num = (text: string, key: string): bigint | undefined => {
  const m = new RegExp(`${key}:? (0x[0-9a-f]+|\\d+)`).exec(text);
  return m ? BigInt(m[1]!) : undefined;
};

/** The IOVA QEMU mapped the SMRAM alias (GPA 0xfeda0000) at, last time before `line`. */
function aliasIova(lines: readonly TraceLine[], line: number): bigint | undefined {
  let found: bigint | undefined;
  for (let i = 0; i < lines.length && lines[i]!.line <= line; i++) {
    const l = lines[i]!;
    if (l.name !== 'vhost_vdpa_listener_region_add' || num(l.text, 'iova') !== 0xfeda0000n) continue;
    const map = lines.slice(i + 1).find((m) => m.name === 'vhost_vdpa_dma_map' || m.name === 'vhost_vdpa_listener_region_add');
    if (map?.name === 'vhost_vdpa_dma_map' && map.line <= line) found = num(map.text, 'iova');
  }
  return found;
}

/** QEMU's one vhost-vdpa IOVA tree; null when its device has none (10.0 frees it at the stop). */
function liveTree(s: QemuInternals, what: string): InternalIovaTree | null {
  const vdpa = s.vhost.filter((v) => v.backend === 'vdpa');
  assert.equal(vdpa.length, 1, `${what}: QEMU's vhost-vdpa devices (vhost devices: ${s.vhost.map((v) => v.backend).join(', ') || 'none'})`);
  return vdpa[0]!.iovaTree;
}

/** Whether the device was stopped after line `cut` (its last vhost_vdpa_dev_start said 0). */
function stoppedAt(lines: readonly TraceLine[], cut: number): boolean {
  const last = lines.filter((l) => l.line <= cut && l.name === 'vhost_vdpa_dev_start').at(-1);
  return last !== undefined && /started: 0/.test(last.text);
}

interface CliSnapshot {
  internals: { vhost: { iovaTree: { aliases: { iovas: string[] }[] } | null; svq?: { descIova: string | null; usedIova: string | null }[] }[] };
  crossCheck: { status: string; line: number };
}

interface Seen {
  live: QemuInternals;
  qemuTree: InternalIovaTree;
  /** QEMU held no tree: its device had stopped and freed it */
  freed: boolean;
  /** the cut where the model's tree is QEMU's (undefined: none) */
  match: { cut: number } | undefined;
  tries: { cut: number; diffs: string[] }[];
  cli: CliSnapshot;
}

/**
 * QEMU's tree from the core, the model's at each candidate cut (QEMU stopped somewhere in gdb's
 * window: the tree must be the model's at one of them), and the same check as a user runs it:
 * `snapshot --qemu-core … --trace` with the trace as it stood at the matching cut.
 */
async function readAndCompare(exe: string, core: string, trace: string, lines: readonly TraceLine[], cuts: number[], layout: 'legacy' | 'current', what: string, mayBeStopped: boolean): Promise<Seen> {
  const live = await readQemuCore(exe, core);
  const held = liveTree(live, what);
  // QEMU 10.0 frees the tree when the device stops (iPXE closes the NIC ~30 s after the start,
  // and a slow core can outlast that): then the model's tree must be empty there
  const freed = held === null;
  if (freed) {
    assert.ok(mayBeStopped, `${what}: QEMU holds no IOVA tree while the device should run`);
    assert.equal(layout, 'current', `${what}: only QEMU 10.0 frees its tree at the stop`);
    assert.ok(stoppedAt(lines, cuts.at(-1)!), `${what}: QEMU holds no IOVA tree but the trace says the device runs`);
  }
  const qemuTree = held ?? { layout, maps: [] };
  assert.equal(qemuTree.layout, layout, `${what}: the tree layout`);
  const tries = cuts.map((cut) => {
    const models = analyzeTraceText(traceUpTo(trace, cut)).svqIovaTrees().filter((m) => m.layout === layout);
    assert.equal(models.length, 1, `${what}: the model has one ${layout} SVQ tree after line ${cut}`);
    assert.ok(models[0]!.consistent, `${what}: the trace up to line ${cut} never contradicted the ${layout} layout`);
    return { cut, diffs: compareIovaTrees(qemuTree, dumpAsInternal(models[0]!.tree)) };
  });
  const match = tries.find((x) => x.diffs.length === 0);
  const cutFile = join(dirname(core), 'trace.log');
  writeFileSync(cutFile, traceUpTo(trace, match?.cut ?? cuts[0]!));
  const r = await runCliChild(['snapshot', '--qemu-core', core, '--qemu-exe', exe, '--trace', cutFile, '--json']);
  assert.equal(r.code, match || freed ? 0 : 1, `${what}: snapshot --qemu-core --trace exit code (stderr: ${r.stderr})`);
  const cli = JSON.parse(r.stdout) as CliSnapshot;
  assert.equal(cli.crossCheck.status, freed ? 'not-compared' : match ? 'equal' : 'different', `${what}: the CLI's cross-check`);
  return { live, qemuTree, freed, match, tries, cli };
}

export async function checkCores(t: TestContext, run: LabRun, s: Scenario, trace: string, lines: readonly TraceLine[]): Promise<void> {
  const exe = debugQemu(s.qemu === '7.2' ? '7.2' : '10.0');
  // the lab ran the very build the host has (run-lab.sh shares it): same BUILD-INFO
  assert.equal(scenarioFile(run, s.name, 'qemu-debug-build.txt'), readFileSync(join(dirname(dirname(exe)), 'BUILD-INFO'), 'utf8'), 'the lab ran the debug build the host reads the cores with');
  const cores = parseCores(scenarioFile(run, s.name, 'cores.txt'));
  assert.deepEqual(cores.map((c) => `${c.name} ${c.status}`), CORE_MOMENTS.map((m) => `${m} ok`), 'cores taken');
  const layout = s.qemu === '7.2' ? 'legacy' : 'current';
  const wrong: string[] = [];
  for (const core of cores) {
    const what = `${s.name} core "${core.name}"`;
    const moment = momentOf(core, lines);
    const file = unpackCore(join(run.dir, s.name, core.file));
    let seen: Seen;
    try {
      // only the close may come after iPXE's window: the alias and the restart are while it runs
      seen = await readAndCompare(exe, file, trace, lines, moment.cuts, layout, what, core.name === 'alias-closed');
    } finally {
      rmSync(dirname(file), { recursive: true, force: true });
    }
    const { live, qemuTree, freed, match, tries, cli } = seen;
    if (!match) wrong.push(...tries.flatMap((x) => x.diffs.map((d) => `${what}, trace cut at line ${x.cut}: ${d}`)));
    const cutText = moment.during.length ? `trace lines ${moment.before}..${moment.cuts[moment.cuts.length - 1]} (tree events while gdb stopped QEMU: ${moment.during.map((l) => `${l.line} ${l.name}`).join(', ')}), equal to the model at ${match ? `line ${match.cut}` : 'none'}` : `trace cut at line ${moment.before}`;
    const aliases = iovaTreeAliases(qemuTree);
    t.diagnostic(
      `${what}: QEMU stopped within ${(Number(core.resumeUs - core.stopUs) / 1000).toFixed(0)} ms (gdb attach to detach), ${cutText}: ` +
        (freed ? 'the device had stopped and QEMU freed its tree; the model\'s is empty' : `${qemuTree.maps.length} nodes (${qemuTree.maps.filter((m) => m.gpa !== undefined).length} GPA→IOVA)`) +
        `${aliases.length ? `; aliases: ${aliases.map(describeAlias).join('; ')}` : ''}`,
    );
    t.diagnostic(checkVhostRings(live, lines, match?.cut ?? moment.before, s.qemu, what));
    const svqJson = cli.internals.vhost.flatMap((v) => v.svq ?? []).map((q) => `${q.descIova} ${q.usedIova}`);
    const svqLive = live.vhost.flatMap((v) => v.vdpa?.svq ?? []).map((q) => `${q.desc.iova === null ? null : hex(q.desc.iova)} ${q.used.iova === null ? null : hex(q.used.iova)}`);
    assert.deepEqual(svqJson, svqLive, `${what}: snapshot --json lists the SVQ vring IOVAs`);
    if (core.name !== 'alias-open') continue;
    const alias = aliasIova(lines, moment.before);
    assert.ok(alias !== undefined, `${what}: the SMRAM alias was mapped before the core`);
    const jsonAliases = cli.internals.vhost.flatMap((v) => v.iovaTree?.aliases ?? []);
    if (s.qemu === '7.2') {
      // one IOVA tree keyed by HVA: the alias node and low RAM's node share host memory
      const pair = aliases.find((a) => a.maps.some((m) => m.iova === alias));
      assert.ok(pair, `${what}: the alias node at IOVA ${hex(alias!)} is reported as aliased (aliases: ${aliases.map(describeAlias).join('; ') || 'none'})`);
      assert.ok(pair.maps.length >= 2);
      assert.ok(jsonAliases.some((a) => a.iovas.includes(hex(alias!))), 'snapshot --json lists the alias under iovaTree.aliases');
      assert.match(internalsText(live), new RegExp(`IOVA ${hex(alias!)}-0x[0-9a-f]+ → HVA 0x[0-9a-f]+ +\\S+ +\\(aliased\\)`));
      assert.match(internalsText(live), /aliases: HVA 0x[0-9a-f]+-0x[0-9a-f]+ is translated by 2 nodes: .*region_del of either may unmap the other/);
    } else {
      // 10.0 keeps guest memory in the GPA tree: the alias has its own GPA there, no shared HVA
      assert.ok(qemuTree.maps.some((m) => m.iova === alias && m.gpa === 0xfeda0000n), `${what}: the GPA→IOVA tree holds the alias at IOVA ${hex(alias!)}`);
      assert.deepEqual(aliases.map(describeAlias), [], `${what}: no aliases in 10.0's IOVA→HVA tree`);
      assert.deepEqual(jsonAliases, []);
    }
  }
  assert.deepEqual(wrong, [], "QEMU's tree vs the model's");
}
