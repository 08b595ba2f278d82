// The kernel's VFIO type1 v2 container as a consumer of vIOMMU notifications: what
// VFIO_IOMMU_MAP_DMA / UNMAP_DMA accept. An unmap may cover holes and several whole mappings
// but must not cut one in two; a map must not overlap anything.
import type { Perm } from '../access.js';
import { hex } from '../u64.js';

export interface VfioDmaMapping {
  iova: bigint;
  /** length in bytes (VFIO sizes are lengths, not inclusive sizes) */
  len: bigint;
  /** HVA in the real ioctl; a GPA when fed from vIOMMU events without a RAM map */
  vaddr: bigint;
  perm: Perm;
  line?: number;
}

export type VfioResult =
  | { ok: true; unmapped: bigint; removed: VfioDmaMapping[] }
  | { ok: false; errno: 'EINVAL' | 'EEXIST' | 'ENOSPC'; reason: string; conflict?: VfioDmaMapping };

const lastOf = (m: VfioDmaMapping): bigint => m.iova + m.len - 1n;
const M64 = 0xffff_ffff_ffff_ffffn;

export class VfioType1Container {
  private maps: VfioDmaMapping[] = [];
  constructor(
    readonly name = 'vfio container',
    /** smallest IOMMU page size: iova and length must be multiples of it */
    readonly pageSize = 0x1000n,
    /** dma_entry_limit module parameter (default 65535) */
    readonly maxMappings = 65535,
  ) {}

  mappings(): VfioDmaMapping[] {
    return this.maps.map((m) => ({ ...m }));
  }

  /** The mapping containing `iova`, if any. */
  find(iova: bigint): VfioDmaMapping | undefined {
    return this.maps.find((m) => iova >= m.iova && iova <= lastOf(m));
  }

  private badRange(what: string, iova: bigint, len: bigint): VfioResult | undefined {
    const mask = this.pageSize - 1n;
    if (len === 0n || (iova & mask) !== 0n || (len & mask) !== 0n)
      return { ok: false, errno: 'EINVAL', reason: `${what} iova ${hex(iova)} size ${hex(len)} is not a non-empty multiple of the ${hex(this.pageSize)} IOMMU page` };
    if (iova + len - 1n > M64) return { ok: false, errno: 'EINVAL', reason: `${what} iova ${hex(iova)} size ${hex(len)} wraps past 2^64` };
    return undefined;
  }

  map(iova: bigint, len: bigint, vaddr: bigint, perm: Perm, line?: number): VfioResult {
    const bad = this.badRange('MAP_DMA', iova, len);
    if (bad) return bad;
    const last = iova + len - 1n;
    const conflict = this.maps.find((m) => m.iova <= last && iova <= lastOf(m));
    if (conflict)
      return { ok: false, errno: 'EEXIST', reason: `MAP_DMA ${hex(iova)}..${hex(last)} overlaps mapping ${hex(conflict.iova)}..${hex(lastOf(conflict))}`, conflict: { ...conflict } };
    if (this.maps.length >= this.maxMappings) return { ok: false, errno: 'ENOSPC', reason: `MAP_DMA ${hex(iova)}: container already holds ${this.maps.length} mappings (dma_entry_limit)` };
    const m: VfioDmaMapping = line === undefined ? { iova, len, vaddr, perm } : { iova, len, vaddr, perm, line };
    this.maps.push(m);
    this.maps.sort((a, b) => (a.iova < b.iova ? -1 : 1));
    return { ok: true, unmapped: 0n, removed: [] };
  }

  /** UNMAP_DMA, v2 rules: refuse to bisect; holes are fine; reports the bytes unmapped. */
  unmap(iova: bigint, len: bigint): VfioResult {
    const bad = this.badRange('UNMAP_DMA', iova, len);
    if (bad) return bad;
    const last = iova + len - 1n;
    const head = this.find(iova);
    if (head && head.iova !== iova)
      return { ok: false, errno: 'EINVAL', reason: `UNMAP_DMA ${hex(iova)}..${hex(last)} would split mapping ${hex(head.iova)}..${hex(lastOf(head))} (starts inside it)`, conflict: { ...head } };
    const tail = this.find(last);
    if (tail && lastOf(tail) !== last)
      return { ok: false, errno: 'EINVAL', reason: `UNMAP_DMA ${hex(iova)}..${hex(last)} would split mapping ${hex(tail.iova)}..${hex(lastOf(tail))} (ends inside it)`, conflict: { ...tail } };
    const removed = this.maps.filter((m) => m.iova >= iova && lastOf(m) <= last);
    this.maps = this.maps.filter((m) => !(m.iova >= iova && lastOf(m) <= last));
    return { ok: true, unmapped: removed.reduce((s, m) => s + m.len, 0n), removed };
  }

  /** VFIO_DMA_UNMAP_FLAG_ALL: everything goes, no bisect checks. */
  unmapAll(): VfioResult {
    const removed = this.maps;
    this.maps = [];
    return { ok: true, unmapped: removed.reduce((s, m) => s + m.len, 0n), removed };
  }
}
