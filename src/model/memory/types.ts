// Plain data describing guest memory, as `info mtree -f` / `info ramblock` / the vhost memory
// listener show it. Parsers and trace replay build these objects; GuestMemoryMap indexes them.

/**
 * What backs a flat range, from the `(prio P, TYPE)` token of `info mtree -f`:
 * `ram`, `rom` (RAM marked read-only, or any read-only flat range), `romd` (ROM device in ROMD
 * mode: reads hit RAM, writes trap), `ramd` (RAM device: mmap'd device memory such as a VFIO
 * BAR or a vDPA doorbell), `io` (MMIO callbacks; mtree prints `i/o`) and `iommu` (an IOMMU
 * region, which mtree also prints as `i/o`; only a name pattern or `-f -d` tells them apart).
 */
export type RegionKind = 'ram' | 'rom' | 'romd' | 'ramd' | 'io' | 'iommu';

/** Kinds whose bytes live in host memory, so a GPA in them has an HVA. */
export const HOST_BACKED_KINDS: ReadonlySet<RegionKind> = new Set<RegionKind>(['ram', 'rom', 'romd', 'ramd']);

/** One line of a FlatView: the GPA range [start, last] shows `name` from `offsetInRegion` on. */
export interface FlatRange {
  start: bigint;
  /** inclusive, as mtree prints it */
  last: bigint;
  /** terminal MemoryRegion name (aliases already resolved by QEMU) */
  name: string;
  /** offset into the region that corresponds to `start` (mtree's `@OFFSET`, 0 when absent) */
  offsetInRegion: bigint;
  kind: RegionKind;
  readonly: boolean;
  /**
   * HVA of `start` when it is known directly (vhost listener `vaddr`, `gpa2hva`); otherwise the
   * HVA comes from the RAMBlock found by name.
   */
  hva?: bigint;
  /** RAMBlock idstr when it differs from `name` (device RAM is `<pci addr>/<name>`) */
  ramBlock?: string;
  createdLine?: number;
  removedLine?: number;
}

/** One row of `info ramblock` (HVA column only from QEMU 8.0 on). */
export interface RamBlock {
  name: string;
  /** host address of the block's first byte (`block->host`); unknown before QEMU 8.0 */
  hva?: bigint;
  /** bytes in use (`used_length`) */
  usedLength: bigint;
  /** bytes reserved (`max_length`) */
  maxLength: bigint;
  /** QEMU's internal ram_addr_t offset; NOT a GPA */
  offset: bigint;
  readonly?: boolean;
}

/**
 * An alias window as the tree view of `info mtree` prints it:
 * `START-END (prio P, T): alias NAME @TARGET TOFF-TEND` — GPA [start, last] shows TARGET from
 * `targetOffset` on. The flat view already resolved it; we keep aliases to explain why one
 * RAM byte appears at several GPAs (q35 SMRAM windows, PAM, ram-below-4g/ram-above-4g).
 */
export interface MemoryAlias {
  name: string;
  target: string;
  targetOffset: bigint;
  start: bigint;
  last: bigint;
  enabled?: boolean;
}

/** Everything a GuestMemoryMap is built from; all parts are plain JSON-like data. */
export interface GuestMemoryData {
  regions: FlatRange[];
  ramBlocks?: RamBlock[];
  aliases?: MemoryAlias[];
}
