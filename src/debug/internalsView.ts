// The "QEMU internals" scope: QEMU's own state read from its process at each stop (RAM blocks,
// every AddressSpace's FlatView, vhost devices with their IOVA trees, intel-iommu's IOTLB), read
// once per stop through one gdb kept for the session, and cross-checked against QMP's memory map
// and the attached trace (the rules: src/model/internalsCrossCheck.ts). Failures are the scope's
// answer, saying what to do; the ones that cannot change (no debug info, not QEMU, QEMU gone)
// are remembered and not retried.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { crossCheckIovaTrees, crossCheckMemoryMap, type CrossCheckFinding } from '../model/internalsCrossCheck.js';
import type { QemuInternals } from '../model/qemuInternals.js';
import { bdfFromSid, bdfText } from '../model/pciAddress.js';
import { hex } from '../model/u64.js';
import { GdbQemuMemory, qmpMemoryMapOf, snapshotInternals } from '../qemu/internals/index.js';
import { qemuPidOf } from '../qemu/qemuPidOf.js';
import { traceVdpaDevices } from '../shared/traceVdpaDevices.js';
import type { AttachedTrace } from './attachedTrace.js';
import type { QemuTarget } from './target.js';

export interface InternalsAtStop {
  internals: QemuInternals;
  findings: CrossCheckFinding[];
  /** what was compared with what (said when nothing differs) */
  checked: string[];
}

/** Failures no later stop can cure. */
const PERMANENT = new Set(['NoDebugInfoError', 'NotQemuError', 'QemuExitedError']);

export type Report = (text: string, category: 'console' | 'important') => void;

export class InternalsSource {
  private mem: Promise<GdbQemuMemory> | undefined;
  private atStop: Promise<InternalsAtStop> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private permanent: Error | undefined;
  private lastReport = '';
  private disposed = false;

  constructor(
    private readonly open: () => Promise<GdbQemuMemory>,
    private readonly target: () => QemuTarget,
    private readonly trace: () => AttachedTrace | undefined,
    /** attach: the gdb is ours to quit; launch: it runs QEMU and goes with it */
    private readonly ownsGdb: boolean,
  ) {}

  /** attach: QEMU `pid`, or the process serving the QMP endpoint. */
  static attached(pid: number | undefined, qmp: string, target: () => QemuTarget, trace: () => AttachedTrace | undefined): InternalsSource {
    return new InternalsSource(async () => GdbQemuMemory.open(pid ?? (await qemuPidOf(qmp))), target, trace, true);
  }

  /** A new stop (or a continue): the next read is of the new state. */
  reset(): void {
    this.atStop = undefined;
  }

  /** This stop's internals and cross-checks, read once. */
  read(): Promise<InternalsAtStop> {
    if (this.permanent) return Promise.reject(this.permanent);
    if (this.disposed) return Promise.reject(new Error('the debug session has ended'));
    if (this.atStop) return this.atStop;
    const run = this.queue.then(() => this.readNow());
    this.queue = run.catch(() => undefined);
    this.atStop = run;
    run.catch((e: Error) => {
      if (this.atStop === run) this.atStop = undefined;
      if (PERMANENT.has(e.name)) this.permanent = e;
    });
    return run;
  }

  /** Read right after a stop and say on the console what changed: new differences, or an error. */
  afterStop(report: Report): void {
    this.read().then(
      (r) => {
        const text = r.findings.length
          ? `QEMU internals: ${r.findings.length} cross-check difference(s):\n${r.findings.map((f) => `  ${f.severity}: ${f.message}\n${f.detail.map((d) => `    ${d}\n`).join('')}`).join('')}`
          : `QEMU internals (pid ${r.internals.pid}): cross-checks clean (${r.checked.join('; ')})\n`;
        this.say(text, r.findings.some((f) => f.severity === 'error') ? 'important' : 'console', report);
      },
      (e: Error) => this.say(`QEMU internals: ${e.message}\n`, 'important', report),
    );
  }

  private say(text: string, category: 'console' | 'important', report: Report): void {
    if (text === this.lastReport || this.disposed) return;
    this.lastReport = text;
    report(text, category);
  }

  private memory(): Promise<GdbQemuMemory> {
    if (!this.mem) {
      const m = this.open();
      this.mem = m;
      m.catch(() => {
        if (this.mem === m) this.mem = undefined;
      });
    }
    return this.mem;
  }

  private async readNow(): Promise<InternalsAtStop> {
    const internals = await snapshotInternals(await this.memory());
    const findings: CrossCheckFinding[] = [];
    const checked: string[] = [];
    try {
      const target = this.target();
      const qmp = await target.exclusive(async () => qmpMemoryMapOf(await target.monitor.ramBlocks(), await target.monitor.mtreeFlat()));
      findings.push(...crossCheckMemoryMap(internals, qmp));
      checked.push(`${internals.ramBlocks.length} RAM blocks and ${internals.addressSpaces.length} address spaces equal QMP's info ramblock and info mtree -f`);
    } catch (e) {
      findings.push({ code: 'internals-crosscheck-unavailable', severity: 'warning', message: `QMP's memory map could not be read to compare: ${(e as Error).message}`, detail: [] });
    }
    const t = this.trace();
    if (t) {
      const tables = t.devices.flatMap((d) => d.tables.map((tb) => ({ owner: d.key, kind: tb.kind, asid: tb.asid, mappings: tb.mappings })));
      findings.push(...crossCheckIovaTrees(internals.vhost, traceVdpaDevices(tables), { fileName: t.fileName, line: t.line }));
      checked.push(`vhost IOVA trees agree with ${t.fileName} at line ${t.line}`);
    }
    return { internals, findings, checked };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const m = this.mem;
    this.mem = undefined;
    if (this.ownsGdb && m) await (await m.catch(() => undefined))?.close().catch(() => undefined);
  }
}

type Node = (name: string, value: string, children?: () => Promise<DebugProtocol.Variable[]>) => DebugProtocol.Variable;

const PERM = ['none', 'ro', 'wo', 'rw'];

/** The scope's children: one node per part of QEMU's state, then the cross-checks. */
export function internalsVariables(r: InternalsAtStop, node: Node): DebugProtocol.Variable[] {
  const s = r.internals;
  const lazy = (xs: DebugProtocol.Variable[] | (() => DebugProtocol.Variable[])) => async () => (typeof xs === 'function' ? xs() : xs);
  return [
    node('cross-checks', r.findings.length ? `${r.findings.length} difference(s)` : `clean: ${r.checked.join('; ')}`, lazy(() =>
      r.findings.length
        ? r.findings.map((f) => node(`${f.severity}: ${f.code}`, f.message, f.detail.length ? lazy(() => f.detail.map((d, i) => node(`[${i}]`, d))) : undefined))
        : r.checked.map((c, i) => node(`[${i}]`, c)),
    )),
    node('RAM blocks', `${s.ramBlocks.length} blocks`, lazy(() => s.ramBlocks.map((b) => node(b.name, `offset ${hex(b.offset)} used ${hex(b.usedLength)} host ${hex(b.host)}`)))),
    node('address spaces', `${s.addressSpaces.length} FlatViews`, lazy(() =>
      s.addressSpaces.map((a) =>
        node(a.name, `${a.ranges.length} ranges`, lazy(() =>
          a.ranges.map((x) => node(`${hex(x.start)}-${hex(x.last)}`, `${x.region}${x.offsetInRegion ? ` @${hex(x.offsetInRegion)}` : ''}${x.hva !== null ? ` hva ${hex(x.hva)}` : ''}${x.readonly ? ' ro' : ''}`)),
        )),
      ),
    )),
    node('vhost devices', `${s.vhost.length} devices`, lazy(() =>
      s.vhost.map((v, i) =>
        node(`vhost ${i}`, `${v.backend}${v.started ? ', started' : ''}${v.iovaTree ? `, IOVA tree (${v.iovaTree.layout}) ${v.iovaTree.maps.length} maps` : ', no IOVA tree'}`, v.iovaTree ? lazy(() =>
          v.iovaTree!.maps.map((m) => node(`iova ${hex(m.iova)}-${hex(m.last)}`, `-> hva ${hex(m.taddr)} ${PERM[m.perm & 3]}${m.gpa !== undefined ? ` (gpa ${hex(m.gpa)})` : ''}`)),
        ) : undefined),
      ),
    )),
    s.vtd
      ? node('VT-d IOTLB', `${s.vtd.iotlb.length} entries`, lazy(() =>
          s.vtd!.iotlb.map((e) => node(`${e.sid !== null ? bdfText(bdfFromSid(e.sid)) : '?'} domain ${e.domain} giova ${hex(e.iova)}`, `-> gpa ${hex(e.gpa)} ${PERM[e.perm & 3]}`)),
        ))
      : node('VT-d IOTLB', 'no intel-iommu in this machine'),
    node('QEMU stopped', `${s.stoppedMs.toFixed(0)} ms for this read (pid ${s.pid})`),
  ];
}
