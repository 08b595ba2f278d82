// The guest physical memory map of one address space (normally `memory`): a FlatView of
// non-overlapping GPA ranges, the RAMBlocks behind them and the alias windows that explain
// them. Answers GPA → HVA and, because aliases show the same host bytes at several GPAs,
// HVA → every GPA. Built from plain data (HMP parsers, snapshots) or section by section from
// the vhost memory listener's region_add / region_del (trace replay).
import { hex, isU64, U64_MAX } from '../u64.js';
import { IntervalIndex } from './hvaIndex.js';
import { HOST_BACKED_KINDS, type FlatRange, type GuestMemoryData, type MemoryAlias, type RamBlock, type RegionKind } from './types.js';

export class MemoryMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryMapError';
  }
}

export type GpaToHva =
  | { ok: true; gpa: bigint; hva: bigint; range: FlatRange; ramBlock?: RamBlock; offsetInRegion: bigint; readonly: boolean }
  | { ok: false; gpa: bigint; reason: string; range?: FlatRange };

/** One place where a host address is visible to the guest. */
export interface GpaView {
  gpa: bigint;
  range: FlatRange;
  ramBlock?: RamBlock;
}

/**
 * A section as the vhost memory listener reports it. Give exactly one end: `gpaLast`
 * (inclusive, region_del ≥ 8.0), `gpaEnd` (exclusive, region_add's `llend`, region_del ≤ 7.2;
 * may be 2^64) or `len`.
 */
export interface ListenerSection {
  gpaStart: bigint;
  gpaLast?: bigint;
  gpaEnd?: bigint;
  len?: bigint;
  hva?: bigint;
  readonly?: boolean;
  name?: string;
  kind?: RegionKind;
  line?: number;
}

export type AddSectionResult = { ok: true; range: FlatRange } | { ok: false; reason: string; conflicts: FlatRange[] };

const KINDS: ReadonlySet<string> = new Set(['ram', 'rom', 'romd', 'ramd', 'io', 'iommu']);
const at = (line: number | undefined): string => (line === undefined ? '' : ` (line ${line})`);
const span = (r: { start: bigint; last: bigint }): string => `[${hex(r.start)}, ${hex(r.last)}]`;

/** Resolve the single-end convention of ListenerSection to an inclusive last byte. */
export function sectionLast(s: ListenerSection): bigint {
  const given = [s.gpaLast, s.gpaEnd, s.len].filter((v) => v !== undefined).length;
  if (given !== 1) throw new MemoryMapError(`section at GPA ${hex(s.gpaStart)}${at(s.line)}: give exactly one of gpaLast, gpaEnd, len`);
  // Int128 in QEMU's listener: ends are never wrapped, so neither are they here.
  if (s.gpaLast !== undefined) return s.gpaLast;
  if (s.gpaEnd !== undefined) return s.gpaEnd - 1n;
  return s.gpaStart + s.len! - 1n;
}

export class GuestMemoryMap {
  private flat: FlatRange[] = [];
  private blocks = new Map<string, RamBlock>();
  private aliasList: MemoryAlias[] = [];
  private hvaIndexCache: IntervalIndex<GpaView & { hvaStart: bigint }> | undefined;
  /** ranges taken out by removeSection, newest last (kept so a stale owner can still be shown) */
  readonly removed: FlatRange[] = [];

  /** Build from plain data; throws MemoryMapError naming the first bad range. */
  constructor(data: GuestMemoryData = { regions: [] }) {
    if (!Array.isArray(data?.regions)) throw new MemoryMapError('guest memory data has no regions array');
    for (const [i, b] of (data.ramBlocks ?? []).entries()) {
      if (!b.name) throw new MemoryMapError(`RAMBlock #${i} has no name`);
      if (this.blocks.has(b.name)) throw new MemoryMapError(`RAMBlock '${b.name}' listed twice`);
      this.blocks.set(b.name, { ...b });
    }
    this.aliasList = (data.aliases ?? []).map((a) => ({ ...a }));
    const regions = data.regions.map((r, i) => checkRange(r, `flat range #${i}`));
    regions.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    for (let i = 1; i < regions.length; i++) {
      const p = regions[i - 1]!;
      const r = regions[i]!;
      if (r.start <= p.last) throw new MemoryMapError(`flat range '${r.name}' ${span(r)} overlaps '${p.name}' ${span(p)}`);
    }
    this.flat = regions;
  }

  get ranges(): readonly FlatRange[] {
    return this.flat;
  }
  get ramBlocks(): readonly RamBlock[] {
    return [...this.blocks.values()];
  }
  get aliases(): readonly MemoryAlias[] {
    return this.aliasList;
  }

  private indexOf(gpa: bigint): number {
    let lo = 0;
    let hi = this.flat.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.flat[mid]!.start <= gpa) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1; // last range starting at or below gpa
  }

  /** The flat range containing gpa, by binary search. */
  findRange(gpa: bigint): FlatRange | undefined {
    const i = this.indexOf(gpa);
    const r = i >= 0 ? this.flat[i] : undefined;
    return r && gpa <= r.last ? r : undefined;
  }

  /** Flat ranges overlapping [first, last] (inclusive), in GPA order. */
  rangesOverlapping(first: bigint, last: bigint): FlatRange[] {
    if (last < first) return [];
    const out: FlatRange[] = [];
    let i = Math.max(this.indexOf(first), 0);
    for (; i < this.flat.length && this.flat[i]!.start <= last; i++) {
      if (this.flat[i]!.last >= first) out.push(this.flat[i]!);
    }
    return out;
  }

  /** The RAMBlock behind a range: by explicit idstr, by name, or a unique `<prefix>/<name>`. */
  ramBlockOf(range: FlatRange): RamBlock | undefined {
    const exact = this.blocks.get(range.ramBlock ?? range.name);
    if (exact || range.ramBlock !== undefined) return exact;
    const suffixed = [...this.blocks.values()].filter((b) => b.name.endsWith('/' + range.name));
    return suffixed.length === 1 ? suffixed[0] : undefined;
  }

  /** HVA of the range's first byte, when RAM-backed and known. */
  hvaOfRange(range: FlatRange): bigint | undefined {
    if (!HOST_BACKED_KINDS.has(range.kind)) return undefined;
    if (range.hva !== undefined) return range.hva;
    const b = this.ramBlockOf(range);
    return b?.hva === undefined ? undefined : b.hva + range.offsetInRegion;
  }

  gpaToHva(gpa: bigint): GpaToHva {
    const range = this.findRange(gpa);
    if (!range) return { ok: false, gpa, reason: `GPA ${hex(gpa)} is not in the flat view` };
    if (!HOST_BACKED_KINDS.has(range.kind)) {
      const what = range.kind === 'iommu' ? 'IOMMU region' : 'mmio region';
      return { ok: false, gpa, range, reason: `GPA ${hex(gpa)} is not RAM (${what} '${range.name}')` };
    }
    const delta = gpa - range.start;
    const offsetInRegion = range.offsetInRegion + delta;
    const ramBlock = this.ramBlockOf(range);
    const base = this.hvaOfRange(range);
    if (base === undefined) {
      const why = ramBlock ? `RAMBlock '${ramBlock.name}' has no known HVA (info ramblock prints HVAs only from QEMU 8.0)` : `no RAMBlock named '${range.ramBlock ?? range.name}'`;
      return { ok: false, gpa, range, reason: `GPA ${hex(gpa)} is in '${range.name}' @${hex(offsetInRegion)} but ${why}` };
    }
    if (range.hva === undefined && ramBlock && offsetInRegion >= ramBlock.usedLength) {
      return { ok: false, gpa, range, reason: `GPA ${hex(gpa)} is at offset ${hex(offsetInRegion)} of '${range.name}', beyond RAMBlock '${ramBlock.name}' used length ${hex(ramBlock.usedLength)}` };
    }
    const res: GpaToHva = { ok: true, gpa, hva: base + delta, range, offsetInRegion, readonly: range.readonly };
    if (ramBlock) res.ramBlock = ramBlock;
    return res;
  }

  private hvaIndex(): IntervalIndex<GpaView & { hvaStart: bigint }> {
    if (!this.hvaIndexCache) {
      const items = [];
      for (const range of this.flat) {
        const hvaStart = this.hvaOfRange(range);
        if (hvaStart === undefined) continue;
        const view: GpaView & { hvaStart: bigint } = { gpa: range.start, range, hvaStart };
        const rb = this.ramBlockOf(range);
        if (rb) view.ramBlock = rb;
        items.push({ first: hvaStart, last: hvaStart + (range.last - range.start), value: view });
      }
      this.hvaIndexCache = new IntervalIndex(items);
    }
    return this.hvaIndexCache;
  }

  /** Every GPA whose bytes live at `hva`, in ascending GPA order (aliases give several). */
  hvaToGpas(hva: bigint): GpaView[] {
    const out = this.hvaIndex()
      .stab(hva)
      .map(({ value: v }) => {
        const g: GpaView = { gpa: v.range.start + (hva - v.hvaStart), range: v.range };
        if (v.ramBlock) g.ramBlock = v.ramBlock;
        return g;
      });
    return out.sort((a, b) => (a.gpa < b.gpa ? -1 : a.gpa > b.gpa ? 1 : 0));
  }

  /**
   * Alias windows through which `gpa` reaches its flat range's region at the same offset.
   * Overlapping windows (ram-below-4g and a PAM alias) may both qualify; all are returned.
   */
  aliasesAt(gpa: bigint): MemoryAlias[] {
    const range = this.findRange(gpa);
    if (!range) return [];
    const off = range.offsetInRegion + (gpa - range.start);
    return this.aliasList.filter(
      (a) => a.enabled !== false && a.start <= gpa && gpa <= a.last && a.target === range.name && a.targetOffset + (gpa - a.start) === off,
    );
  }

  /** Add one listener section (vhost region_add). Overlap with a live range is refused. */
  addSection(s: ListenerSection): AddSectionResult {
    const last = sectionLast(s);
    if (last < s.gpaStart) return { ok: false, reason: `empty section at GPA ${hex(s.gpaStart)}${at(s.line)}`, conflicts: [] };
    if (!isU64(s.gpaStart) || last > U64_MAX) return { ok: false, reason: `section ${span({ start: s.gpaStart, last })}${at(s.line)} is outside the 64-bit GPA space`, conflicts: [] };
    const conflicts = this.rangesOverlapping(s.gpaStart, last);
    if (conflicts.length) {
      const names = conflicts.map((c) => `'${c.name}' ${span(c)}`).join(', ');
      return { ok: false, reason: `section ${span({ start: s.gpaStart, last })}${at(s.line)} overlaps ${names}`, conflicts };
    }
    const range: FlatRange = {
      start: s.gpaStart,
      last,
      name: s.name ?? `section@${hex(s.gpaStart)}`,
      offsetInRegion: 0n,
      kind: s.kind ?? (s.hva !== undefined ? (s.readonly ? 'rom' : 'ram') : 'io'),
      readonly: s.readonly ?? false,
    };
    if (s.hva !== undefined) range.hva = s.hva;
    if (s.line !== undefined) range.createdLine = s.line;
    this.flat.splice(this.indexOf(s.gpaStart) + 1, 0, range);
    this.hvaIndexCache = undefined;
    return { ok: true, range };
  }

  /**
   * Remove the GPA range of a section (vhost region_del). Ranges cut by its ends keep their
   * outside parts; the removed parts are returned (and kept in `removed`) with `removedLine`.
   */
  removeSection(s: ListenerSection): { removed: FlatRange[]; exact: boolean } {
    const first = s.gpaStart;
    const last = sectionLast(s);
    const hit = this.rangesOverlapping(first, last);
    const exact = hit.length === 1 && hit[0]!.start === first && hit[0]!.last === last;
    const keep: FlatRange[] = [];
    const removed: FlatRange[] = [];
    for (const r of hit) {
      if (r.start < first) keep.push(slice(r, r.start, first - 1n));
      if (r.last > last) keep.push(slice(r, last + 1n, r.last));
      const gone = slice(r, r.start < first ? first : r.start, r.last > last ? last : r.last);
      if (s.line !== undefined) gone.removedLine = s.line;
      removed.push(gone);
    }
    if (hit.length) {
      const i = this.flat.indexOf(hit[0]!);
      this.flat.splice(i, hit.length, ...keep);
      this.hvaIndexCache = undefined;
    }
    this.removed.push(...removed);
    return { removed, exact };
  }
}

/** The part [start, last] of r, with region offset and direct HVA moved along. */
function slice(r: FlatRange, start: bigint, last: bigint): FlatRange {
  const d = start - r.start;
  const out: FlatRange = { ...r, start, last, offsetInRegion: r.offsetInRegion + d };
  if (r.hva !== undefined) out.hva = r.hva + d;
  return out;
}

function checkRange(r: FlatRange, where: string): FlatRange {
  const name = r.name ? `'${r.name}'` : '(unnamed)';
  if (typeof r.start !== 'bigint' || typeof r.last !== 'bigint' || !isU64(r.start) || !isU64(r.last)) {
    throw new MemoryMapError(`${where} ${name}: start and last must be u64 bigints`);
  }
  if (r.last < r.start) throw new MemoryMapError(`${where} ${name}: last ${hex(r.last)} is below start ${hex(r.start)}`);
  if (!r.name) throw new MemoryMapError(`${where} ${span(r)} has no region name`);
  if (!KINDS.has(r.kind)) throw new MemoryMapError(`${where} ${name} ${span(r)}: unknown kind '${String(r.kind)}'`);
  if (typeof r.offsetInRegion !== 'bigint' || r.offsetInRegion < 0n) throw new MemoryMapError(`${where} ${name} ${span(r)}: offsetInRegion must be a non-negative bigint`);
  return { ...r };
}
