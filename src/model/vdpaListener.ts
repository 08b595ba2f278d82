// The vhost-vdpa memory listener (qemu-semantics §4.1–§4.3): what QEMU does with one
// MemoryRegionSection on region_add / region_del — skip it, trace it, allocate an SVQ IOVA,
// map or unmap — with QEMU's quirks kept on purpose:
//  * the device-range check compares an EXCLUSIVE end with the INCLUSIVE iova_range.last (§9.6);
//  * the tree copy of the permission is inverted: writable RAM is stored IOMMU_RO (§9.4);
//  * region_add traces an exclusive llend, region_del an inclusive one since QEMU 8.0 (§9.5);
//  * in SVQ mode region_del unmaps from the START of the node it finds with the SECTION's
//    size, and removes the whole node (§9.7);
//  * a full-space (2^64) IOMMU section is unmapped as two halves.
// Int128 arithmetic in QEMU is plain bigint here (no wrap); u64 arithmetic wraps.
import { accessFlag, type Perm } from './access.js';
import { IOVA_OK, type DMAMap } from './dmaMap.js';
import { TWO_POW_64, U64_MAX, hex } from './u64.js';
import type { VhostIovaTree } from './vhostIovaTree.js';

export interface ListenerSection {
  /** GPA of the section start (offset_within_address_space) */
  gpa: bigint;
  /** offset_within_region */
  offsetInRegion: bigint;
  /** length in bytes; may be 2^64 for a full-space IOMMU region (Int128 in QEMU) */
  size: bigint;
  kind: 'ram' | 'iommu' | 'ram-device' | 'io' | 'protected';
  readonly: boolean;
  /** HVA of the region's RAM start (memory_region_get_ram_ptr) for RAM sections */
  ramPtr?: bigint;
  name?: string;
}

export interface ListenerConfig {
  iovaFirst: bigint;
  /** inclusive */
  iovaLast: bigint;
  /** target page size (4 KiB on x86) */
  pageSize: bigint;
  /** SVQ for data: QEMU allocates IOVAs in this tree */
  svqTree?: VhostIovaTree;
  /** QEMU ≤ 7.2 prints region_del's end exclusive */
  exclusiveDelEnd?: boolean;
}

export interface DmaOp {
  type: 'map' | 'unmap';
  asid: 0;
  iova: bigint;
  /** a length, as in the IOTLB message */
  size: bigint;
  uaddr?: bigint;
  /** VHOST_ACCESS_RO (1) for read-only sections, RW (3) otherwise: correct, unlike the tree */
  perm?: Perm;
}

export type ListenerOutcome =
  | { action: 'skip'; reason: string; error?: string }
  | { action: 'unaligned' }
  | { action: 'empty'; trace?: { iova: bigint; llend: bigint } }
  | { action: 'iommu'; note: string; ops: DmaOp[]; trace?: { iova: bigint; llend: bigint } }
  | { action: 'alloc-failed'; ret: number; error: string; trace: { iova: bigint; llend: bigint; vaddr?: bigint; readonly?: boolean } }
  | {
      action: 'map' | 'unmap' | 'not-found';
      /** what the trace line prints: GPA and llend (add: exclusive; del: inclusive since 8.0) */
      trace: { iova: bigint; llend: bigint; vaddr?: bigint; readonly?: boolean };
      ops: DmaOp[];
      /** the node QEMU stored in (add) or removed from (del) its tree, SVQ mode only */
      treeNode?: DMAMap;
    };

const roundUp = (x: bigint, page: bigint) => (x + page - 1n) & ~(page - 1n);
/** -page_size sign-extended, as QEMU ANDs it with an Int128 (2^64 survives the mask) */
const int128PageMask = (page: bigint) => ~(page - 1n);

/** vhost_vdpa_listener_skipped_section (§4.1); pageMask as an Int128 mask (negative bigint). */
export function skippedSection(s: ListenerSection, iovaMin: bigint, iovaMax: bigint, pageMask: bigint): { skipped: boolean; reason?: string; error?: string } {
  if (s.kind === 'io' || s.kind === 'protected' || s.kind === 'ram-device') return { skipped: true, reason: `${s.kind} section is never mapped for vhost-vdpa` };
  if (s.gpa < iovaMin) {
    return { skipped: true, reason: 'starts below the device IOVA range', error: `RAM section out of device range (min=${hex(iovaMin)}, addr=${hex(s.gpa)})` };
  }
  if (s.kind !== 'iommu') {
    // exclusive end rounded down to a page, compared with the INCLUSIVE last usable IOVA (§9.6)
    const llend = (s.gpa + s.size) & pageMask;
    if (llend > iovaMax) {
      return { skipped: true, reason: 'ends past the device IOVA range', error: `RAM section out of device range (max=${hex(iovaMax)}, end addr=${hex(llend)})` };
    }
  }
  return { skipped: false };
}

function bounds(s: ListenerSection, page: bigint): { iova: bigint; llend: bigint; aligned: boolean } {
  const pageMask = int128PageMask(page);
  const aligned = (s.gpa & (page - 1n)) === (s.offsetInRegion & (page - 1n));
  return { iova: roundUp(s.gpa, page), llend: (s.gpa + s.size) & pageMask, aligned };
}

/**
 * SVQ mode, region_add: allocate the section's IOVA in QEMU's tree. The tree copy of the
 * permission is IOMMU_ACCESS_FLAG(true, readonly), inverted on purpose (§9.4). Legacy trees key
 * guest memory by HVA, current ones by GPA. Returns the stored node, or QEMU's error code after
 * QEMU's undo of a half-done allocation (the GPA insert failed after the IOVA was taken).
 */
export function svqAllocSection(tree: VhostIovaTree, gpa: bigint, vaddr: bigint, llsize: bigint, readonly: boolean): DMAMap | number {
  const node: DMAMap = { iova: 0n, translatedAddr: 0n, size: llsize - 1n, perm: accessFlag(true, readonly) };
  const ret = tree.layout === 'legacy' ? tree.mapAlloc(node, vaddr) : tree.mapAllocGpa(node, gpa);
  if (ret === IOVA_OK) return node;
  if (tree.layout === 'current' && node.translatedAddr === gpa) tree.removeGpa(node);
  return ret;
}

/**
 * SVQ mode, region_del: find the node by the section (HVA in legacy trees, GPA in current ones,
 * first overlap with the section's size) and remove it whole; undefined when QEMU finds none.
 */
export function svqRemoveSection(tree: VhostIovaTree, gpa: bigint, vaddr: bigint, llsize: bigint): DMAMap | undefined {
  const needle = { translatedAddr: tree.layout === 'legacy' ? vaddr : gpa, size: llsize - 1n };
  const found = tree.layout === 'legacy' ? tree.findIova(needle) : tree.findGpa(needle);
  if (!found) return undefined;
  const node = { ...found };
  if (tree.layout === 'legacy') tree.remove(found);
  else tree.removeGpa(found);
  return node;
}

/** vhost_vdpa_listener_region_add (§4.2) for RAM sections (IOMMU sections register a notifier). */
export function regionAdd(s: ListenerSection, cfg: ListenerConfig): ListenerOutcome {
  const skip = skippedSection(s, cfg.iovaFirst, cfg.iovaLast, int128PageMask(cfg.pageSize));
  if (skip.skipped) return { action: 'skip', reason: skip.reason!, error: skip.error };
  if (s.kind === 'iommu') return { action: 'iommu', note: 'IOMMU section: a notifier is registered and existing mappings are replayed as MAP events', ops: [] };
  const { iova, llend, aligned } = bounds(s, cfg.pageSize);
  if (!aligned) return { action: 'unaligned' };
  if (iova >= llend) return { action: 'empty' }; // region_add does not trace empty sections
  const vaddr = (s.ramPtr ?? 0n) + s.offsetInRegion + (iova - s.gpa);
  const llsize = llend - iova;
  const trace = { iova, llend, vaddr, readonly: s.readonly };
  let mapIova = iova;
  let treeNode: DMAMap | undefined;
  if (cfg.svqTree) {
    const node = svqAllocSection(cfg.svqTree, s.gpa, vaddr, llsize, s.readonly);
    if (typeof node === 'number') return { action: 'alloc-failed', ret: node, error: `Can't allocate a mapping (${node})`, trace };
    mapIova = node.iova;
    treeNode = node;
  }
  return { action: 'map', trace, treeNode, ops: [{ type: 'map', asid: 0, iova: mapIova, size: llsize, uaddr: vaddr, perm: s.readonly ? 1 : 3 }] };
}

/** vhost_vdpa_listener_region_del (§4.3). */
export function regionDel(s: ListenerSection, cfg: ListenerConfig): ListenerOutcome {
  const skip = skippedSection(s, cfg.iovaFirst, cfg.iovaLast, int128PageMask(cfg.pageSize));
  if (skip.skipped) return { action: 'skip', reason: skip.reason!, error: skip.error };
  const { iova, llend, aligned } = bounds(s, cfg.pageSize);
  if (!aligned) return { action: 'unaligned' };
  // traced before the empty check; inclusive since QEMU 8.0 (u64: an empty section at 0 prints 2^64-1)
  const trace = { iova, llend: cfg.exclusiveDelEnd ? llend : (llend - 1n) & U64_MAX };
  if (iova >= llend) return { action: 'empty', trace };
  let llsize = llend - iova;
  let start = iova;
  let treeNode: DMAMap | undefined;
  if (cfg.svqTree && s.kind !== 'iommu') {
    const vaddr = (s.ramPtr ?? 0n) + s.offsetInRegion + (iova - s.gpa);
    const found = svqRemoveSection(cfg.svqTree, s.gpa, vaddr, llsize);
    if (!found) return { action: 'not-found', trace, ops: [] }; // QEMU returns silently
    treeNode = found;
    start = found.iova; // the node's start, not offset-adjusted (§9.7)
  }
  const ops: DmaOp[] = [];
  if (llsize === TWO_POW_64) {
    // the unmap size field cannot hold 2^64: two halves
    const half = llsize / 2n;
    ops.push({ type: 'unmap', asid: 0, iova: start, size: half });
    start = (start + half) & U64_MAX;
    llsize = half;
  }
  ops.push({ type: 'unmap', asid: 0, iova: start, size: llsize });
  return { action: 'unmap', trace, ops, treeNode };
}
