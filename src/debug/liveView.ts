// The translation view of a live VM: one Snapshot (and the attached trace, if any) turned into
// the TranslationView the panel draws. Ids are built from what identifies a thing in QEMU (a
// region's start and name, a device's QOM path, a queue index, a page), never from positions in
// a list, so expansion state survives a refresh that adds or drops a neighbour.
import { add64, hex, sub64 } from '../model/u64.js';
import type { Snapshot, SnapshotAddr, SnapshotQueue, SnapshotVirtio } from '../qemu/snapshot/types.js';
import type { Space, SpaceStrip, TranslationView, ViewNode } from '../shared/translationView.js';
import { sizeText } from '../shared/viewFromTrace.js';
import type { AttachedTrace } from './attachedTrace.js';
import { traceSection } from './traceView.js';

export interface LiveViewOptions {
  sessionId: string;
  /** the debug session's name, for the panel's title */
  name: string;
  /** why the VM is stopped ("pause", "step"); absent while it runs */
  stoppedAt?: string;
  trace?: AttachedTrace;
}

export function buildLiveView(snap: Snapshot, opts: LiveViewOptions): TranslationView {
  const notes: string[] = [...snap.problems];
  const memory = memorySection(snap);
  const viommu = viommuSection(snap, notes);
  const queues = virtqueueSection(snap);
  const sections = [memory, viommu, queues];
  if (opts.trace) sections.push(traceSection(opts.trace));
  else notes.push('no trace attached: add "trace" to the debug configuration to see its IOTLB / IOVA trees');
  const strips = [
    strip('strip/gpa', 'Guest-physical memory (FlatView)', 'gpa', memory.children ?? []),
    strip('strip/hva', "QEMU's host virtual memory (RAM)", 'hva', hvaSegments(memory.children ?? [])),
    strip('strip/giova', 'Guest IOVA pages walked in the VT-d tables', 'giova', leaves(viommu)),
  ];
  if (opts.trace) {
    const traceLeaves = leaves(sections[3]!);
    for (const space of new Set(traceLeaves.map((n) => n.space))) {
      if (space) strips.push(strip(`strip/trace/${space}`, `${space.toUpperCase()} keys in ${opts.trace.fileName} (line ${opts.trace.line})`, space, traceLeaves));
    }
  }
  return {
    source: { kind: 'debug', sessionId: opts.sessionId, name: opts.name, ...(opts.stoppedAt !== undefined ? { stoppedAt: opts.stoppedAt } : {}) },
    sections,
    strips: strips.filter((s): s is SpaceStrip => s !== undefined),
    notes,
  };
}

function memorySection(snap: Snapshot): ViewNode {
  const children = snap.memory.regions.map(
    (r): ViewNode => ({
      id: `mem/${hex(r.start)}/${r.name}`,
      label: r.name,
      // the range, its size and where QEMU keeps it: what a user looks for in a memory map
      detail: [`[${hex(r.start)}, ${hex(r.last)}]`, sizeText(r.last - r.start + 1n), r.hva !== null ? `→ HVA ${hex(r.hva)}` : undefined, `${r.kind}${r.readonly ? ', ro' : ''}${r.offset !== 0n ? ` @${hex(r.offset)}` : ''}`]
        .filter((p) => p !== undefined)
        .join(' · '),
      space: 'gpa',
      start: hex(r.start),
      last: hex(r.last),
      ...(r.hva !== null ? { target: { space: 'hva' as const, start: hex(r.hva) } } : {}),
      memoryRef: `gpa:${hex(r.start)}`,
    }),
  );
  return { id: 'mem', label: 'Guest memory', detail: `${children.length} FlatView ranges`, children };
}

/** Split-ring areas (virtio 1.x §2.7): 16-byte descriptors, avail/used with flags, idx and the event word. */
function ringLen(q: SnapshotQueue, ring: 'desc' | 'avail' | 'used'): bigint {
  const num = BigInt(q.status.vringNum);
  if (ring === 'desc') return 16n * num;
  // Packed rings: the driver and device areas are 4-byte event suppression structures.
  if (q.layout === 'packed') return 4n;
  return ring === 'avail' ? 6n + 2n * num : 6n + 8n * num;
}

function memRef(v: SnapshotVirtio, a: SnapshotAddr): string | undefined {
  if (a.space === 'gpa') return `gpa:${hex(a.addr)}`;
  return v.pci ? `giova:${v.pci}:${hex(a.addr)}` : a.gpa !== null ? `gpa:${hex(a.gpa)}` : undefined;
}

/** A range a device addresses, with where its first byte goes (GPA for a GIOVA, HVA for a GPA). */
function addrNode(id: string, label: string, v: SnapshotVirtio, a: SnapshotAddr, len: bigint, detail?: string): ViewNode {
  const target: ViewNode['target'] = a.space === 'giova' ? (a.gpa !== null ? { space: 'gpa', start: hex(a.gpa) } : undefined) : a.hva !== null ? { space: 'hva', start: hex(a.hva) } : undefined;
  const ref = memRef(v, a);
  const parts = [detail, a.space === 'giova' && a.gpa !== null && a.hva !== null ? `hva ${hex(a.hva)}` : undefined, a.reason !== undefined ? friendlyReason(a.reason) : undefined].filter((p) => p);
  return {
    id,
    label,
    ...(parts.length ? { detail: parts.join('; ') } : {}),
    ...(a.reason !== undefined && friendlyReason(a.reason) !== a.reason ? { tooltip: a.reason } : {}),
    space: a.space,
    start: hex(a.addr),
    last: hex(add64(a.addr, len > 0n ? len - 1n : 0n)),
    ...(target ? { target } : {}),
    ...(a.walk ? { perm: a.walk.perm } : {}),
    ...(ref !== undefined ? { memoryRef: ref } : {}),
  };
}

function queueNode(v: SnapshotVirtio, q: SnapshotQueue): ViewNode {
  const id = `vq/${v.path}/${q.index}`;
  const pending = q.pending === null ? '' : q.pending ? ', buffers pending' : ', idle';
  if (q.status.vringNum === 0 || q.status.vringDesc === 0n) return { id, label: `queue ${q.index}`, detail: 'not set up by the driver' };
  const rings = (['desc', 'avail', 'used'] as const).map((r) => addrNode(`${id}/${r}`, r, v, q.rings[r], ringLen(q, r), r === 'desc' ? `${q.status.vringNum} entries` : undefined));
  const chain: ViewNode = {
    id: `${id}/next`,
    label: 'next chain',
    detail: q.head === null ? (q.nextReason !== undefined ? friendlyReason(q.nextReason) : 'none') : `head ${q.head}, ${q.next.length} descriptors${q.nextReason ? ` (${friendlyReason(q.nextReason)})` : ''}`,
    ...(q.nextReason !== undefined && friendlyReason(q.nextReason) !== q.nextReason ? { tooltip: q.nextReason } : {}),
    children: q.next.map((d, i) =>
      addrNode(`${id}/next/${i}`, `[${i}] desc ${d.index}`, v, d, BigInt(d.len), `len ${d.len}${d.flags.length ? ` ${d.flags.join('|')}` : ''}${d.indirect ? ' (indirect)' : ''}`),
    ),
  };
  return { id, label: `queue ${q.index}`, detail: `${q.layout}, last_avail_idx ${q.status.lastAvailIdx ?? '?'}${pending}`, children: [...rings, chain] };
}

function virtqueueSection(snap: Snapshot): ViewNode {
  const children = snap.virtio.map(
    (v): ViewNode => ({
      id: `vq/${v.path}`,
      label: v.name,
      detail: [v.pci ?? 'PCI address unknown', `${v.queues.length} queues`, v.behindIommu ? 'behind the vIOMMU' : undefined, ...v.problems].filter((p) => p).join(', '),
      children: v.queues.map((q) => queueNode(v, q)),
    }),
  );
  return { id: 'vq', label: 'Virtqueues', detail: children.length ? `${children.length} devices` : 'QEMU reports no virtio devices', children };
}

/**
 * Mappings found by walking: every ring and chain address of a device behind the vIOMMU that
 * walked to a leaf, one node per leaf page, grouped by the domain the context entry named.
 */
function viommuSection(snap: Snapshot, notes: string[]): ViewNode {
  if (!snap.vtd) {
    const why = snap.vtdReason ?? 'no VT-d unit';
    notes.push(`vIOMMU: ${why}`);
    return { id: 'viommu', label: 'vIOMMU', detail: why, children: [] };
  }
  const vtd = snap.vtd;
  const devices: ViewNode[] = [];
  for (const v of snap.virtio.filter((d) => d.behindIommu)) {
    const devId = `viommu/${v.pci ?? v.path}`;
    const pages = new Map<string, { domain: number; level: number; node: ViewNode; users: string[] }>();
    const unwalked: string[] = [];
    const visit = (user: string, a: SnapshotAddr): void => {
      if (a.space !== 'giova') return;
      if (!a.walk || a.gpa === null) {
        if (a.reason) unwalked.push(`${user}: ${a.reason}`);
        return;
      }
      const mask = a.walk.pageSize - 1n;
      const start = a.addr & ~mask;
      const key = `${a.walk.domainId}/${hex(start)}`;
      const have = pages.get(key);
      if (have) {
        have.users.push(user);
        return;
      }
      const gpaPage = a.gpa & ~mask;
      const node: ViewNode = {
        id: `${devId}/${a.walk.domainId}/${hex(start)}`,
        label: hex(start),
        space: 'giova',
        start: hex(start),
        last: hex(add64(start, mask)),
        target: { space: 'gpa', start: hex(gpaPage) },
        perm: a.walk.perm,
        owner: v.pci ?? v.name,
        ...(v.pci ? { memoryRef: `giova:${v.pci}:${hex(start)}` } : {}),
      };
      pages.set(key, { domain: a.walk.domainId, level: a.walk.level, node, users: [user] });
    };
    for (const q of v.queues) {
      for (const r of ['desc', 'avail', 'used'] as const) visit(`queue ${q.index} ${r}`, q.rings[r]);
      q.next.forEach((d, i) => visit(`queue ${q.index} next[${i}]`, d));
    }
    const byDomain = new Map<number, ViewNode[]>();
    for (const p of pages.values()) {
      p.node.detail = `leaf at level ${p.level}, used by ${p.users.join(', ')}`;
      byDomain.set(p.domain, [...(byDomain.get(p.domain) ?? []), p.node]);
    }
    const domains = [...byDomain]
      .sort(([a], [b]) => a - b)
      .map(([domain, nodes]): ViewNode => ({ id: `${devId}/${domain}`, label: `domain ${domain}`, detail: `${nodes.length} pages walked`, children: nodes.sort(byStart) }));
    // the row says how many addresses did not walk; what each walk hit is in the tooltip
    const detail = [v.name, domains.length ? undefined : 'no successful walk', unwalked.length ? `${unwalked.length} address${unwalked.length === 1 ? '' : 'es'} not mapped by the driver yet` : undefined].filter((p) => p).join('; ');
    devices.push({ id: devId, label: v.pci ?? v.name, detail, ...(unwalked.length ? { tooltip: unwalked.join('\n') } : {}), children: domains });
  }
  const state = `${vtd.translationEnabled ? 'translation enabled' : 'translation disabled'}, root table ${vtd.rtaddr !== null ? hex(vtd.rtaddr) : 'not set'}`;
  return { id: 'viommu', label: 'vIOMMU', detail: `VT-d at ${hex(vtd.base)}: ${state}`, children: devices };
}

const byStart = (a: ViewNode, b: ViewNode): number => {
  const x = BigInt(a.start ?? '0');
  const y = BigInt(b.start ?? '0');
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Every descendant that covers a range (the strips' segments). */
function leaves(root: ViewNode): ViewNode[] {
  const out: ViewNode[] = [];
  const todo = [...(root.children ?? [])];
  for (let n = todo.shift(); n; n = todo.shift()) {
    if (n.start !== undefined && n.last !== undefined) out.push(n);
    todo.push(...(n.children ?? []));
  }
  return out;
}

/** RAM regions at their host addresses: the same length at the HVA of their first byte. */
function hvaSegments(regions: ViewNode[]): ViewNode[] {
  return regions
    .filter((r) => r.target?.space === 'hva')
    .map((r) => {
      const len = sub64(BigInt(r.last!), BigInt(r.start!));
      const hva = BigInt(r.target!.start);
      return { ...r, space: 'hva' as const, start: hex(hva), last: hex(add64(hva, len)) };
    });
}

function strip(id: string, title: string, space: Space, nodes: ViewNode[]): SpaceStrip | undefined {
  const mine = nodes.filter((n) => n.space === space && n.start !== undefined && n.last !== undefined).sort(byStart);
  if (mine.length === 0) return undefined;
  let lo = BigInt(mine[0]!.start!);
  let hi = BigInt(mine[0]!.last!);
  for (const n of mine) {
    const s = BigInt(n.start!);
    const l = BigInt(n.last!);
    if (s < lo) lo = s;
    if (l > hi) hi = l;
  }
  return {
    id,
    title,
    space,
    start: hex(lo),
    last: hex(hi),
    segments: mine.map((n) => ({ start: n.start!, last: n.last!, label: n.detail ? `${n.label} (${n.detail})` : n.label, nodeId: n.id })),
  };
}

/**
 * A walk that stopped at a non-present entry is the normal state of a ring or buffer the guest
 * driver has not set up (an idle queue): the row says that, the exact entry goes in the tooltip.
 */
export function friendlyReason(reason: string): string {
  return /\bPTE\b.*\bnot present\b/.test(reason) ? 'not mapped by the driver yet (idle)' : reason;
}
