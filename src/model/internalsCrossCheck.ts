// Cross-checks of QEMU's own state (read from the QEMU process) against the other two sources:
// QMP's memory map (`info ramblock`, `info mtree -f`) and an attached trace's replay at its last
// line. The rules live here once; the debug adapter and the CLI only gather the inputs and show
// the findings. A finding is a difference a developer should look at, never a guess: both sides
// are compared exactly (addresses, sizes, names, permissions).
import type { InternalIovaMap, InternalVhostDevice, QemuInternals } from './qemuInternals.js';
import { hex } from './u64.js';

export type CrossCheckSeverity = 'error' | 'warning' | 'info';

export interface CrossCheckFinding {
  /** stable id: `internals-ramblocks`, `internals-flatview`, `internals-iova-tree`… */
  code: string;
  severity: CrossCheckSeverity;
  /** one line: what differs, between which sources */
  message: string;
  /** the first differences, one per line (at most MAX_DETAIL, then a count) */
  detail: string[];
}

/** QMP's side of the memory map, in the model's words (the CLI and the adapter parse HMP). */
export interface QmpMemoryMap {
  ramBlocks: readonly { name: string; offset: bigint; usedLength: bigint }[];
  /** one entry per address space QMP lists (a FlatView shared by several spaces is repeated) */
  addressSpaces: readonly { name: string; ranges: readonly { start: bigint; last: bigint; region: string }[] }[];
}

/** One kernel IOTLB map of the trace at its last line (IOVA → HVA), with the line that made it. */
export interface TraceIotlbMap {
  start: bigint;
  last: bigint;
  /** HVA of `start` */
  target: bigint;
  perm: number;
  createdLine: number;
  asid?: number;
}

/** A vhost-vdpa device of the trace: its IOTLB maps of every ASID at the last line. */
export interface TraceVdpaDevice {
  /** as the trace names it ("vdpa 0x55d2…") */
  label: string;
  maps: readonly TraceIotlbMap[];
}

export const MAX_DETAIL = 8;

const PERM = ['none', 'ro', 'wo', 'rw'];
const permText = (p: number): string => PERM[p & 3] ?? String(p);

function finding(code: string, severity: CrossCheckSeverity, message: string, lines: string[]): CrossCheckFinding {
  const detail = lines.length > MAX_DETAIL ? [...lines.slice(0, MAX_DETAIL), `… ${lines.length - MAX_DETAIL} more`] : lines;
  return { code, severity, message, detail };
}

/**
 * QEMU's RAM blocks and every AddressSpace's FlatView against QMP's `info ramblock` and
 * `info mtree -f`. Both describe the same QEMU at the same moment (the VM is stopped), so any
 * difference means one reader is wrong or QEMU changed between the two reads.
 */
export function crossCheckMemoryMap(internals: Pick<QemuInternals, 'ramBlocks' | 'addressSpaces'>, qmp: QmpMemoryMap): CrossCheckFinding[] {
  const out: CrossCheckFinding[] = [];
  const blockText = (b: { name: string; offset: bigint; usedLength: bigint }): string => `${b.name} offset ${hex(b.offset)} used ${hex(b.usedLength)}`;
  const mine = new Map(internals.ramBlocks.map((b) => [b.name, b]));
  const theirs = new Map(qmp.ramBlocks.map((b) => [b.name, b]));
  const blockDiffs: string[] = [];
  for (const [name, b] of mine) {
    const q = theirs.get(name);
    if (!q) blockDiffs.push(`only in QEMU's memory: ${blockText(b)}`);
    else if (q.offset !== b.offset || q.usedLength !== b.usedLength) blockDiffs.push(`${name}: QEMU's memory says offset ${hex(b.offset)} used ${hex(b.usedLength)}, QMP says offset ${hex(q.offset)} used ${hex(q.usedLength)}`);
  }
  for (const [name, q] of theirs) if (!mine.has(name)) blockDiffs.push(`only in QMP's info ramblock: ${blockText(q)}`);
  if (blockDiffs.length) out.push(finding('internals-ramblocks', 'error', `RAM blocks read from QEMU's memory differ from QMP's info ramblock (${blockDiffs.length} differences)`, blockDiffs));

  // Names repeat (every VT-d device space is "vtd-root"): spaces are matched as a multiset of
  // (name, ranges); what is left unmatched is paired by name to show the ranges that differ.
  type Space = QmpMemoryMap['addressSpaces'][number];
  const rangeText = (r: { start: bigint; last: bigint; region: string }): string => `${hex(r.start)}-${hex(r.last)} ${r.region}`;
  const sig = (a: Space): string => [a.name, ...a.ranges.map(rangeText)].join('\n');
  const pending = new Map<string, Space[]>();
  for (const q of qmp.addressSpaces) pending.set(sig(q), [...(pending.get(sig(q)) ?? []), q]);
  const unmatched: Space[] = [];
  for (const a of internals.addressSpaces) {
    const same = pending.get(sig(a));
    if (same?.length) same.pop();
    else unmatched.push(a);
  }
  const leftQmp = [...pending.values()].flat();
  const missing: string[] = [];
  for (const a of unmatched) {
    const i = leftQmp.findIndex((q) => q.name === a.name);
    if (i < 0) {
      missing.push(`"${a.name}" (${a.ranges.length} ranges) is in QEMU's address_spaces list but not in info mtree -f`);
      continue;
    }
    const [q] = leftQmp.splice(i, 1);
    const left = new Set(a.ranges.map(rangeText));
    const right = new Set(q!.ranges.map(rangeText));
    const diffs = [...[...left].filter((r) => !right.has(r)).map((r) => `only in QEMU's FlatView: ${r}`), ...[...right].filter((r) => !left.has(r)).map((r) => `only in info mtree -f: ${r}`)];
    if (diffs.length === 0) diffs.push(`the same ranges, but ${a.ranges.length} in QEMU's FlatView and ${q!.ranges.length} in info mtree -f, or in another order`);
    out.push(finding('internals-flatview', 'error', `AddressSpace "${a.name}": the FlatView read from QEMU's memory differs from info mtree -f (${diffs.length} ranges)`, diffs));
  }
  for (const q of leftQmp) missing.push(`"${q.name}" is in info mtree -f but not in QEMU's address_spaces list`);
  if (missing.length) out.push(finding('internals-address-spaces', 'error', `the address spaces read from QEMU's memory differ from info mtree -f (${missing.length})`, missing));
  return out;
}

const mapKey = (iova: bigint, last: bigint): string => `${iova}:${last}`;

/** How many (iova, last) ranges a live tree and a trace device share: what pairs them. */
function shared(tree: readonly InternalIovaMap[], dev: TraceVdpaDevice): number {
  const keys = new Set(dev.maps.map((m) => mapKey(m.start, m.last)));
  return tree.filter((m) => keys.has(mapKey(m.iova, m.last))).length;
}

/**
 * The vhost-vdpa IOVA trees read from QEMU against the trace's kernel IOTLB at its last line.
 * QEMU's VhostIOVATree holds what it mapped into the device (IOVA → HVA) with shadow virtqueues;
 * the trace's IOTLB is what vhost_vdpa_dma_map/unmap said it mapped, per ASID. A tree is paired
 * with the trace device sharing most of its IOVA ranges (ties: trace order); each map then must
 * be in both with the same HVA and permission. Devices without a tree (no SVQ) are not compared.
 * `trace` names the file and line in the messages.
 */
export function crossCheckIovaTrees(vhost: readonly InternalVhostDevice[], devices: readonly TraceVdpaDevice[], trace: { fileName: string; line: number }): CrossCheckFinding[] {
  const out: CrossCheckFinding[] = [];
  const at = `${trace.fileName} at its last line (${trace.line})`;
  const trees = vhost.map((v, i) => ({ index: i, v })).filter((t) => t.v.iovaTree !== null);
  const withMaps = devices.filter((d) => d.maps.length > 0);
  const vdpaCount = vhost.filter((v) => v.backend === 'vdpa').length;
  if (trees.length === 0) {
    if (withMaps.length > 0 && vdpaCount === 0) {
      out.push(
        finding(
          'internals-iova-tree',
          'warning',
          `${at} shows ${withMaps.length} vhost-vdpa device(s) with IOTLB maps, but QEMU has no vhost-vdpa device: is the trace from another run of QEMU?`,
          withMaps.map((d) => `${d.label}: ${d.maps.length} maps in the trace, first at line ${Math.min(...d.maps.map((m) => m.createdLine))}`),
        ),
      );
    }
    return out;
  }
  const free = new Set(withMaps);
  for (const t of trees) {
    const maps = t.v.iovaTree!.maps;
    let best: TraceVdpaDevice | undefined;
    let bestShared = -1;
    for (const d of free) {
      const n = shared(maps, d);
      if (n > bestShared) [best, bestShared] = [d, n];
    }
    const name = `vhost device ${t.index} (${t.v.backend}, ${t.v.iovaTree!.layout} IOVA tree, ${maps.length} maps)`;
    if (!best) {
      out.push(finding('internals-iova-tree', 'warning', `${name}: ${at} has no vhost-vdpa device left to compare it with`, maps.map((m) => `only in QEMU: IOVA ${hex(m.iova)}-${hex(m.last)} -> HVA ${hex(m.taddr)} ${permText(m.perm)}`)));
      continue;
    }
    free.delete(best);
    const traceMaps = new Map(best.maps.map((m) => [mapKey(m.start, m.last), m]));
    const diffs: string[] = [];
    for (const m of maps) {
      const k = mapKey(m.iova, m.last);
      const tm = traceMaps.get(k);
      if (!tm) diffs.push(`only in QEMU: IOVA ${hex(m.iova)}-${hex(m.last)} -> HVA ${hex(m.taddr)} ${permText(m.perm)}`);
      else {
        traceMaps.delete(k);
        if (tm.target !== m.taddr || (tm.perm & 3) !== (m.perm & 3)) {
          diffs.push(`IOVA ${hex(m.iova)}-${hex(m.last)}: QEMU maps HVA ${hex(m.taddr)} ${permText(m.perm)}, the trace HVA ${hex(tm.target)} ${permText(tm.perm)} (line ${tm.createdLine})`);
        }
      }
    }
    for (const tm of traceMaps.values()) diffs.push(`only in the trace: IOVA ${hex(tm.start)}-${hex(tm.last)} -> HVA ${hex(tm.target)} ${permText(tm.perm)}${tm.asid !== undefined ? ` ASID ${tm.asid}` : ''} (line ${tm.createdLine})`);
    if (diffs.length) out.push(finding('internals-iova-tree', 'error', `${name} differs from ${best.label} in ${at} (${diffs.length} maps)`, diffs));
  }
  for (const d of free) {
    out.push(finding('internals-iova-tree', 'warning', `${d.label} in ${at} has ${d.maps.length} IOTLB maps but no IOVA tree read from QEMU is left to compare it with`, []));
  }
  return out;
}
