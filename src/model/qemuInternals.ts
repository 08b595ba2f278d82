// QEMU's own translation state as read from the QEMU process (part 9): RAM blocks, every
// AddressSpace's FlatView, intel-iommu's IOTLB and the vhost devices with their IOVA trees.
// Plain data decoded by src/qemu/internals; the memory map of the "memory" space is the same
// GuestMemoryMap every other source builds, so resolve answers from it with the same rules.
import type { VhostIovaLayout } from './vhostIovaTree.js';
import { GuestMemoryMap } from './memory/guestMemoryMap.js';
import type { FlatRange, RamBlock } from './memory/types.js';
import type { GiovaAnswer, GiovaTranslator } from './liveSource.js';
import { translatedPage } from './viommu/vtdRules.js';
import type { Perm } from './access.js';
import { parseBdf, sidOf } from './pciAddress.js';
import { hex } from './u64.js';
import type { VhostMemRegion, VhostVdpaState, VhostVq } from './vhostRings.js';

export interface InternalRamBlock {
  /** RAMBlock.idstr */
  name: string;
  /** ram_addr_t offset (QEMU-internal, not a GPA) */
  offset: bigint;
  usedLength: bigint;
  maxLength: bigint;
  /** HVA of the block's first byte (RAMBlock.host) */
  host: bigint;
}

export interface InternalFlatRange {
  start: bigint;
  /** inclusive */
  last: bigint;
  /** the terminal MemoryRegion's name */
  region: string;
  offsetInRegion: bigint;
  /** host address of `start` when the region is RAM-backed */
  hva: bigint | null;
  ram: boolean;
  readonly: boolean;
  romd: boolean;
}

export interface InternalAddressSpace {
  name: string;
  ranges: InternalFlatRange[];
}

/** One intel-iommu IOTLB entry; perm: 1 read, 2 write, 3 both. */
export interface InternalIotlbEntry {
  domain: number;
  /** first IOVA of the page (gfn << 12, page-aligned to the entry's level) */
  iova: bigint;
  gpa: bigint;
  perm: number;
  /** the PCI requester (bus << 8 | devfn) when QEMU's key stores it */
  sid: number | null;
  /** the page mask QEMU stored (e.g. ~0xfff for a 4 KiB page) */
  mask: bigint;
}

/** A DMAMap node of a VhostIOVATree; `last` inclusive (DMAMap.size is length − 1). */
export interface InternalIovaMap {
  iova: bigint;
  last: bigint;
  /** translated_addr: an HVA in the legacy tree and the current HVA tree */
  taddr: bigint;
  /** the GPA of this map when the current layout's GPA tree has it */
  gpa?: bigint;
  perm: number;
}

export interface InternalIovaTree {
  layout: VhostIovaLayout;
  maps: InternalIovaMap[];
}

export type VhostBackend = 'none' | 'kernel' | 'user' | 'vdpa' | `unknown(${number})`;

export interface InternalVhostDevice {
  backend: VhostBackend;
  started: boolean;
  /** vhost-vdpa devices with shadow virtqueues have one; null otherwise */
  iovaTree: InternalIovaTree | null;
  /** struct vhost_memory: the memory table given to the backend (null: none allocated yet) */
  memory?: VhostMemRegion[] | null;
  /** the device's struct vhost_virtqueue array (nvqs entries) */
  vqs?: VhostVq[];
  /** vhost-vdpa only: its ASID and shadow vrings */
  vdpa?: VhostVdpaState;
}

export interface QemuInternals {
  pid: number;
  ramBlocks: InternalRamBlock[];
  addressSpaces: InternalAddressSpace[];
  /** null when the machine has no intel-iommu */
  vtd: { iotlb: InternalIotlbEntry[] } | null;
  vhost: InternalVhostDevice[];
  /** milliseconds QEMU was stopped for the read (0 for a core) */
  stoppedMs: number;
  /** the core file the state was read from, when it was not read from a live QEMU */
  core?: string;
}

/** An inclusive range from QEMU's Int128 start and size; null when it does not fit u64 (the empty/full-space cases). */
export function int128Range(start: { lo: bigint; hi: bigint }, size: { lo: bigint; hi: bigint }): { start: bigint; last: bigint } | null {
  if (start.hi !== 0n) return null;
  // size 2^64 (hi 1, lo 0) is the whole space, which QEMU's root containers use
  const len = size.hi === 1n && size.lo === 0n ? 1n << 64n : size.hi === 0n ? size.lo : -1n;
  if (len <= 0n) return null;
  const last = start.lo + len - 1n;
  return last > 0xffff_ffff_ffff_ffffn ? null : { start: start.lo, last };
}

/** The guest memory map of the "memory" AddressSpace, in the model every resolver uses. */
export function internalsMemoryMap(s: QemuInternals): GuestMemoryMap {
  const sys = s.addressSpaces.find((a) => a.name === 'memory');
  if (!sys) throw new Error('QEMU internals have no "memory" AddressSpace');
  const regions: FlatRange[] = sys.ranges.map((r) => ({
    start: r.start,
    last: r.last,
    name: r.region,
    offsetInRegion: r.offsetInRegion,
    kind: r.ram ? (r.readonly ? 'rom' : 'ram') : r.romd ? 'romd' : 'io',
    readonly: r.readonly,
    ...(r.hva !== null ? { hva: r.hva } : {}),
  }));
  const ramBlocks: RamBlock[] = s.ramBlocks.map((b) => ({ name: b.name, hva: b.host, usedLength: b.usedLength, maxLength: b.maxLength, offset: b.offset }));
  return new GuestMemoryMap({ regions, ramBlocks });
}

/**
 * intel-iommu's own IOTLB as a vIOMMU for the resolver: a GIOVA translates when QEMU has an entry
 * for the device's source id covering it (what vtd_lookup_iotlb would hit; PASID not considered).
 * A miss says so: the IOTLB is a cache, not the page table.
 */
export function iotlbTranslator(iotlb: readonly InternalIotlbEntry[]): GiovaTranslator {
  return {
    translate(device: string, giova: bigint): GiovaAnswer {
      let sid: number;
      try {
        sid = sidOf(parseBdf(device));
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      const e = iotlb.find((x) => x.sid === sid && (giova & x.mask) === x.iova);
      if (!e) return { ok: false, reason: `QEMU's VT-d IOTLB has no entry for GIOVA ${hex(giova)} of ${device} (the IOTLB caches translations QEMU made since the last invalidation; walk the guest's tables with resolve --qmp --gdb)` };
      // the entry's page, by the rule the replay applies to QEMU's own translations
      const page = translatedPage(giova, ~e.mask & 0xffff_ffff_ffff_ffffn, e.gpa);
      return { ok: true, gpa: page.gpa | (giova - page.start), perm: e.perm as Perm, owner: `VT-d IOTLB ${device} domain ${e.domain} [${hex(page.start)}, ${hex(page.last)}] → GPA ${hex(page.gpa)}` };
    },
  };
}
