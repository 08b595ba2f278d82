// Shared vocabulary of the translation chain GIOVA → GPA → HVA → IOVA, and the small interfaces
// through which the resolver talks to models owned elsewhere (vIOMMU, SVQ IOVA trees). Kept free
// of any implementation so every model can depend on it without depending on each other.
import type { Perm } from './access.js';
import type { DMAMap } from './dmaMap.js';
import type { Space } from './space.js';

export type { Space } from './space.js';

/**
 * The object that made a translation possible: a flat-view range, a RAMBlock, a device IOTLB
 * entry, an IOVA-tree node, a vIOMMU mapping… `kind` is open so new models can add their own.
 * Ranges are inclusive on both ends so the top of the 64-bit space is representable.
 */
export interface Owner {
  kind: 'flatview-region' | 'ramblock' | 'alias' | 'iotlb-entry' | 'iova-tree-node' | 'viommu-mapping' | 'svq-ring' | (string & {});
  name: string;
  /** first address of the owner's range, in the space of the hop that names it */
  start: bigint;
  /** last address (inclusive) */
  last: bigint;
  /** trace line that created the object, when it came from a trace */
  createdLine?: number;
  /** trace line that removed it (the owner may be shown as a stale/removed object) */
  removedLine?: number;
}

/**
 * One step of a chain: an address in one space. `owner` is the object whose range (in this
 * hop's space) holds the address — flat range for a GPA, RAMBlock for an HVA, IOTLB entry or
 * tree node for an IOVA, vIOMMU mapping for a GIOVA — and `perm` what that owner grants.
 */
export interface Hop {
  space: Space;
  addr: bigint;
  owner?: Owner;
  perm?: Perm;
  /** set for `iova` hops: the vhost/vDPA address space id */
  asid?: number;
  /** set for `giova` hops (and IOTLB hops when known): PCI 'BB:DD.F' */
  device?: string;
  note?: string;
}

/**
 * Result of resolving one address. `hops` is the main chain in translation order starting from
 * the queried address; `alternatives` are further complete chains when one address legitimately
 * has several images (aliased RAM: one HVA shown at several GPAs). `error` is set when the chain
 * stopped early; `hops` then holds what was found before the gap.
 */
export interface Resolution {
  hops: Hop[];
  alternatives: Hop[][];
  error?: string;
}

/** Outcome of a vIOMMU translation of one guest IOVA. */
export type GiovaTranslation =
  | {
      ok: true;
      /** the translated address itself (not the page base) */
      gpa: bigint;
      perm: Perm;
      /** length - 1 of the vIOMMU page that holds the translation (0xfff for 4 KiB) */
      pageMask: bigint;
      /** the vIOMMU mapping used; its start/last are GIOVAs */
      owner: Owner;
    }
  | { ok: false; reason: string };

/** Implemented by the vIOMMU model (VT-d walker + IOTLB, or a trace-fed table of translations). */
export interface GiovaTranslator {
  translate(device: string, giova: bigint, access?: 'read' | 'write'): GiovaTranslation;
}

/**
 * A lookup needle for an IOVA tree: [key, key + size] with INCLUSIVE size, keyed by `iova` or
 * `translatedAddr` depending on the lookup (same shape as the IOVA-tree engineer's DMANeedle).
 */
export interface TreeNeedle {
  iova?: bigint;
  translatedAddr?: bigint;
  size: bigint;
}

/**
 * What the resolver needs from an SVQ IOVA tree (VhostIovaTree), so it does not depend on the
 * tree's implementation. Results are DMAMaps with INCLUSIVE size.
 * - 'current' layout (QEMU ≥ 10.0): guest memory is found by GPA (`findGpa`); `findIova` only
 *   holds host-only memory (SVQ vrings, CVQ buffers) by HVA.
 * - 'legacy' layout (7.0 … 9.2): one tree, guest memory found by HVA with `findIova` (first
 *   overlap in IOVA order — the aliasing bug is reproduced by the tree, not corrected here).
 * Without `layout`, the presence of `findGpa` means 'current'.
 */
export interface IovaTreeView {
  readonly layout?: 'current' | 'legacy';
  findGpa?(needle: TreeNeedle): DMAMap | undefined;
  findIova(needle: TreeNeedle): DMAMap | undefined;
}
