// QEMU's VT-d IOTLB: the cache of leaf translations that can keep a translation alive after the
// guest changed its page tables, until the guest invalidates. Like QEMU, entries are keyed by
// (source id, level, page frame) and carry the domain id that invalidations match on.
import type { Perm } from '../access.js';
import { hex } from '../u64.js';
import { levelShift, tableAddr, VTD_PAGE_SHIFT } from './vtdFormat.js';

/** QEMU resets the whole IOTLB when it reaches this many entries (VTD_IOTLB_MAX_SIZE). */
export const VTD_IOTLB_MAX_SIZE = 1024;
/** Largest `am` a page-selective invalidation may carry (CAP.MAMV in QEMU). */
export const VTD_MAMV = 18;

export interface VtdIotlbEntry {
  sid: number;
  domainId: number;
  /** page frame number (4 KiB units) of the first page the entry covers */
  gfn: bigint;
  level: number;
  slpte: bigint;
  /** permissions stacked over the walk (from a trace: the leaf's R/W only) */
  perm: Perm;
  /** trace line that filled the entry, when fed from a trace */
  line?: number;
}

export interface IotlbHit {
  entry: VtdIotlbEntry;
  /** first IOVA of the cached page */
  iova: bigint;
  /** GPA of `addr` itself */
  gpa: bigint;
  /** length - 1 of the cached page */
  addrMask: bigint;
}

const pageMaskOf = (level: number): bigint => ~((1n << levelShift(level)) - 1n) & 0xffff_ffff_ffff_ffffn;
const gfnOf = (addr: bigint, level: number): bigint => (addr & pageMaskOf(level)) >> VTD_PAGE_SHIFT;
const keyOf = (sid: number, level: number, gfn: bigint): string => `${sid}/${level}/${gfn.toString(16)}`;

export class VtdIotlb {
  private readonly entries = new Map<string, VtdIotlbEntry>();
  /** how often the cache hit its size limit and was dropped whole */
  overflowResets = 0;

  constructor(private readonly awBits = 39) {}

  get size(): number {
    return this.entries.size;
  }

  all(): VtdIotlbEntry[] {
    return [...this.entries.values()];
  }

  /** vtd_lookup_iotlb: try 4 KiB, 2 MiB and 1 GiB pages in turn. */
  lookup(sid: number, addr: bigint): IotlbHit | undefined {
    for (let level = 1; level <= 3; level++) {
      const entry = this.entries.get(keyOf(sid, level, gfnOf(addr, level)));
      if (!entry) continue;
      const addrMask = (1n << levelShift(level)) - 1n;
      const gpa = (tableAddr(entry.slpte, this.awBits) & ~addrMask) | (addr & addrMask);
      return { entry, iova: addr & ~addrMask, gpa, addrMask };
    }
    return undefined;
  }

  /** vtd_update_iotlb: the cache is dropped whole when full, then the entry goes in. */
  update(sid: number, addr: bigint, e: { domainId: number; slpte: bigint; perm: Perm; level: number; line?: number }): VtdIotlbEntry {
    if (e.level < 1 || e.level > 3) throw new Error(`IOTLB entry for IOVA ${hex(addr)}: level ${e.level} is not 1, 2 or 3`);
    if (this.entries.size >= VTD_IOTLB_MAX_SIZE) {
      this.entries.clear();
      this.overflowResets++;
    }
    const gfn = gfnOf(addr, e.level);
    const entry: VtdIotlbEntry = { sid, domainId: e.domainId, gfn, level: e.level, slpte: e.slpte, perm: e.perm };
    if (e.line !== undefined) entry.line = e.line;
    this.entries.set(keyOf(sid, e.level, gfn), entry);
    return entry;
  }

  /** Global invalidation (and root-table / reset paths). Returns the dropped entries. */
  invalidateGlobal(): VtdIotlbEntry[] {
    const dropped = this.all();
    this.entries.clear();
    return dropped;
  }

  /** Domain-selective invalidation. */
  invalidateDomain(domainId: number): VtdIotlbEntry[] {
    return this.dropWhere((e) => e.domainId === domainId);
  }

  /**
   * Page-selective invalidation of [addr, addr + (4096 << am) - 1] in `domainId`: drops entries
   * inside the range and superpage entries that contain `addr` (vtd_hash_remove_by_page).
   */
  invalidatePages(domainId: number, addr: bigint, am: number): VtdIotlbEntry[] {
    if (!Number.isInteger(am) || am < 0 || am > VTD_MAMV) throw new Error(`page-selective invalidation at ${hex(addr)}: am ${am} outside 0..${VTD_MAMV}`);
    const invMask = ~((1n << BigInt(am)) - 1n);
    const gfn = (addr >> VTD_PAGE_SHIFT) & invMask;
    return this.dropWhere((e) => e.domainId === domainId && ((e.gfn & invMask) === gfn || e.gfn === (addr & pageMaskOf(e.level)) >> VTD_PAGE_SHIFT));
  }

  /** Device removal / context change for one source id (not a QEMU invalidation; used by replay). */
  invalidateSid(sid: number): VtdIotlbEntry[] {
    return this.dropWhere((e) => e.sid === sid);
  }

  private dropWhere(pred: (e: VtdIotlbEntry) => boolean): VtdIotlbEntry[] {
    const dropped: VtdIotlbEntry[] = [];
    for (const [k, e] of this.entries) {
      if (!pred(e)) continue;
      dropped.push(e);
      this.entries.delete(k);
    }
    return dropped;
  }
}

/** Range a page-selective invalidation covers: [addr, addr + (4096 << am) - 1]. */
export const psiRange = (addr: bigint, am: number): { start: bigint; last: bigint } => ({ start: addr, last: addr + (0x1000n << BigInt(am)) - 1n });
