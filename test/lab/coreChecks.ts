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

function liveTree(s: QemuInternals, what: string): InternalIovaTree {
  const vdpa = s.vhost.filter((v) => v.backend === 'vdpa');
  assert.ok(vdpa.length > 0, `${what}: QEMU has no vhost-vdpa device (vhost devices: ${s.vhost.map((v) => v.backend).join(', ') || 'none'})`);
  const trees = vdpa.map((v) => v.iovaTree).filter((t): t is InternalIovaTree => t !== null);
  assert.equal(trees.length, 1, `${what}: vhost-vdpa devices with an IOVA tree (SVQ)`);
  return trees[0]!;
}

interface CliSnapshot {
  internals: { vhost: { iovaTree: { aliases: { iovas: string[] }[] } | null }[] };
  crossCheck: { status: string; line: number };
}

interface Seen {
  live: QemuInternals;
  qemuTree: InternalIovaTree;
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
async function readAndCompare(exe: string, core: string, trace: string, cuts: number[], layout: 'legacy' | 'current', what: string): Promise<Seen> {
  const live = await readQemuCore(exe, core);
  const qemuTree = liveTree(live, what);
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
  assert.equal(r.code, match ? 0 : 1, `${what}: snapshot --qemu-core --trace exit code (stderr: ${r.stderr})`);
  const cli = JSON.parse(r.stdout) as CliSnapshot;
  assert.equal(cli.crossCheck.status, match ? 'equal' : 'different', `${what}: the CLI's cross-check`);
  return { live, qemuTree, match, tries, cli };
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
      seen = await readAndCompare(exe, file, trace, moment.cuts, layout, what);
    } finally {
      rmSync(dirname(file), { recursive: true, force: true });
    }
    const { live, qemuTree, match, tries, cli } = seen;
    if (!match) wrong.push(...tries.flatMap((x) => x.diffs.map((d) => `${what}, trace cut at line ${x.cut}: ${d}`)));
    const cutText = moment.during.length ? `trace lines ${moment.before}..${moment.cuts[moment.cuts.length - 1]} (tree events while gdb stopped QEMU: ${moment.during.map((l) => `${l.line} ${l.name}`).join(', ')}), equal to the model at ${match ? `line ${match.cut}` : 'none'}` : `trace cut at line ${moment.before}`;
    const aliases = iovaTreeAliases(qemuTree);
    t.diagnostic(
      `${what}: QEMU stopped within ${(Number(core.resumeUs - core.stopUs) / 1000).toFixed(0)} ms (gdb attach to detach), ${cutText}: ` +
        `${qemuTree.maps.length} nodes (${qemuTree.maps.filter((m) => m.gpa !== undefined).length} GPA→IOVA)` +
        `${aliases.length ? `; aliases: ${aliases.map(describeAlias).join('; ')}` : ''}`,
    );
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
