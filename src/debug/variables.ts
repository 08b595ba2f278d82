// Scopes and variables: the snapshot taken at this stop shown as a lazily expanded tree. Every
// container is a thunk behind a handle; handles are dropped on each stop/continue, so what VS
// Code expands after a stop is computed from that stop's snapshot.
import { Handles, Scope } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex } from '../model/u64.js';
import type { Snapshot, SnapshotAddr, SnapshotQueue, SnapshotVirtio } from '../qemu/snapshot/types.js';
import { mappingName, mappingValue, type AttachedTrace } from './attachedTrace.js';
import type { QemuTarget } from './target.js';
import { traceScopeName } from './traceView.js';
import { internalsVariables, type InternalsSource } from './internalsView.js';

type Children = () => Promise<DebugProtocol.Variable[]>;

export class VariableTree {
  private handles = new Handles<Children>();

  constructor(
    private readonly target: () => QemuTarget,
    private readonly trace: () => AttachedTrace | undefined = () => undefined,
    private readonly internals: () => InternalsSource | undefined = () => undefined,
  ) {}

  /** Forget every handle: the next expansion reads the new state. */
  reset(): void {
    this.handles = new Handles<Children>();
  }

  scopes(threadId: number): DebugProtocol.Scope[] {
    const snap = (): Promise<Snapshot> => this.target().snapshot();
    const scopes = [
      new Scope(`Registers (vCPU ${threadId - 1})`, this.handles.create(() => this.registers(threadId)), false),
      new Scope('Guest memory', this.handles.create(async () => this.memory(await snap())), false),
      new Scope('Virtqueues', this.handles.create(async () => this.virtqueues(await snap())), false),
      new Scope('vIOMMU', this.handles.create(async () => this.viommu(await snap())), false),
    ];
    const t = this.trace();
    if (t) scopes.push(new Scope(traceScopeName(t), this.handles.create(async () => this.traceTables(t)), false));
    const q = this.internals();
    if (q) {
      const scope: DebugProtocol.Scope = new Scope('QEMU internals', this.handles.create(async () => internalsVariables(await q.read(), (n, v, c) => this.node(n, v, c))), true);
      scope.presentationHint = 'registers';
      scopes.push(scope);
    }
    return scopes;
  }

  /** The attached trace at its last line: device → table (ASID) → mappings. */
  private traceTables(t: AttachedTrace): DebugProtocol.Variable[] {
    if (t.devices.length === 0) return [this.node('(none)', `${t.fileName} creates no IOTLB, IOVA-tree or vIOMMU mappings`)];
    return t.devices.map((d) =>
      this.node(d.label, `${d.tables.length} tables`, async () =>
        d.tables.map((table) =>
          this.node(table.label, `${table.keySpace} -> ${table.targetSpace}, ${table.mappings.length} mappings`, async () =>
            table.mappings.map((m) => this.node(mappingName(m, table), mappingValue(m, table, t.fileName))),
          ),
        ),
      ),
    );
  }

  async variables(ref: number): Promise<DebugProtocol.Variable[]> {
    const children = this.handles.get(ref);
    if (!children) return [{ name: '(stale)', value: 'this value belongs to an earlier stop; expand it again', variablesReference: 0 }];
    try {
      return await children();
    } catch (e) {
      return [{ name: '(unavailable)', value: (e as Error).message, variablesReference: 0 }];
    }
  }

  private node(name: string, value: string, children?: Children, memoryReference?: string): DebugProtocol.Variable {
    return {
      name,
      value,
      variablesReference: children ? this.handles.create(children) : 0,
      ...(memoryReference !== undefined ? { memoryReference } : {}),
    };
  }

  private async registers(threadId: number): Promise<DebugProtocol.Variable[]> {
    const regs = await this.target().registers(threadId);
    return [...regs].map(([name, v]) => this.node(name, hex(v)));
  }

  private memory(s: Snapshot): DebugProtocol.Variable[] {
    return s.memory.regions.map((r) =>
      this.node(
        `${hex(r.start)}-${hex(r.last)}`,
        `${r.name} (${r.kind}${r.readonly ? ', ro' : ''})${r.hva !== null ? ` hva ${hex(r.hva)}` : ''}`,
        async () => [
          this.node('gpa', `${hex(r.start)}-${hex(r.last)}`),
          this.node('region', r.name),
          this.node('kind', r.kind),
          this.node('offset', hex(r.offset)),
          this.node('hva', r.hva !== null ? hex(r.hva) : 'none (MMIO or unknown)'),
        ],
        `gpa:${hex(r.start)}`,
      ),
    );
  }

  private virtqueues(s: Snapshot): DebugProtocol.Variable[] {
    if (s.virtio.length === 0) return [this.node('(none)', 'QEMU reports no virtio devices')];
    return s.virtio.map((v) =>
      this.node(`${v.name}${v.pci ? ` ${v.pci}` : ''}`, `${v.queues.length} queues${v.behindIommu ? ', behind the vIOMMU' : ''}`, async () => [
        ...v.queues.map((q) => this.node(`queue ${q.index}`, queueSummary(q), async () => this.queue(v, q))),
        ...v.problems.map((p, i) => this.node(`problem ${i}`, p)),
      ]),
    );
  }

  private queue(v: SnapshotVirtio, q: SnapshotQueue): DebugProtocol.Variable[] {
    const ring = (name: string, a: SnapshotAddr): DebugProtocol.Variable =>
      this.node(name, addrValue(a), async () => this.addr(a), memRef(v, a));
    const out = [ring('desc', q.rings.desc), ring('avail', q.rings.avail), ring('used', q.rings.used)];
    out.push(this.node('layout', q.layout));
    out.push(this.node('last_avail_idx', String(q.status.lastAvailIdx ?? '?')));
    if (q.availIdx !== null) out.push(this.node('avail.idx', String(q.availIdx)));
    out.push(
      this.node('next chain', q.head === null ? q.nextReason ?? 'none' : `head ${q.head}, ${q.next.length} descriptors`, async () =>
        q.next.map((d, i) =>
          this.node(`[${i}] desc ${d.index}`, `${addrValue(d)} len ${d.len}${d.flags.length ? ` ${d.flags.join('|')}` : ''}`, async () => this.addr(d), memRef(v, d)),
        ),
      ),
    );
    return out;
  }

  private addr(a: SnapshotAddr): DebugProtocol.Variable[] {
    const out = [this.node('space', a.space), this.node(a.space, hex(a.addr)), this.node('gpa', a.gpa !== null ? hex(a.gpa) : 'none'), this.node('hva', a.hva !== null ? hex(a.hva) : 'none')];
    if (a.walk) out.push(this.node('walk', `domain ${a.walk.domainId}, level ${a.walk.level}, page ${hex(a.walk.pageSize)}, perm ${a.walk.perm}`));
    if (a.reason) out.push(this.node('reason', a.reason));
    return out;
  }

  private viommu(s: Snapshot): DebugProtocol.Variable[] {
    if (!s.vtd) return [this.node('(none)', s.vtdReason ?? 'no VT-d unit')];
    const vtd = s.vtd;
    const out = [
      this.node('base', hex(vtd.base)),
      this.node('translation', vtd.translationEnabled ? 'enabled (GSTS.TES)' : 'disabled'),
      this.node('root table', vtd.rtaddr !== null ? hex(vtd.rtaddr) : 'not set', undefined, vtd.rtaddr !== null ? `gpa:${hex(vtd.rtaddr)}` : undefined),
      this.node('cap', hex(vtd.cap)),
      this.node('ecap', hex(vtd.ecap)),
    ];
    // Mappings found by walking: the rings and chains each device uses, grouped by domain.
    for (const v of s.virtio.filter((d) => d.behindIommu)) {
      const walked = v.queues.flatMap((q) => Object.entries(q.rings).map(([n, a]) => ({ name: `queue ${q.index} ${n}`, a })));
      const domains = new Set(walked.map((w) => w.a.walk?.domainId).filter((d) => d !== undefined));
      out.push(
        this.node(`${v.pci ?? v.name} (${v.name})`, domains.size ? `domain ${[...domains].join(', ')}` : 'no successful walk', async () =>
          walked.map((w) => this.node(w.name, addrValue(w.a), async () => this.addr(w.a), memRef(v, w.a))),
        ),
      );
    }
    return out;
  }
}

function addrValue(a: SnapshotAddr): string {
  const chain = [`${a.space} ${hex(a.addr)}`];
  if (a.space !== 'gpa' && a.gpa !== null) chain.push(`gpa ${hex(a.gpa)}`);
  if (a.hva !== null) chain.push(`hva ${hex(a.hva)}`);
  return chain.join(' -> ') + (a.reason ? ` (${a.reason})` : '');
}

function memRef(v: SnapshotVirtio, a: SnapshotAddr): string | undefined {
  if (a.space === 'gpa') return `gpa:${hex(a.addr)}`;
  return v.pci ? `giova:${v.pci}:${hex(a.addr)}` : a.gpa !== null ? `gpa:${hex(a.gpa)}` : undefined;
}

function queueSummary(q: SnapshotQueue): string {
  const pending = q.pending === null ? '' : q.pending ? ', buffers pending' : ', idle';
  return `${q.layout}, desc ${addrValue(q.rings.desc)}${pending}`;
}
