// The live snapshot as plain data: what QEMU and guest memory said at one moment, every address
// a bigint, every translation that could not be made a null with the reason. Nothing here holds
// a connection, so a snapshot can be printed, diffed or turned into JSON later.
import type { Perm } from '../../model/access.js';
import type { RegionKind } from '../../model/memory/types.js';
import type { VtdConfig } from '../../model/viommu/vtdFormat.js';
import type { PciDevice } from '../parse/pci.js';
import type { RamBlock } from '../parse/ramblock.js';
import type { VirtioStatus, VirtQueueStatus } from '../parse/virtio.js';

export const NO_GDB_REASON = 'no gdbstub: guest memory cannot be read';

export interface SnapshotRegion {
  start: bigint;
  /** Inclusive, as mtree prints it. */
  last: bigint;
  name: string;
  kind: RegionKind;
  /** Offset into the region `name` at `start` (mtree's `@…`). */
  offset: bigint;
  readonly: boolean;
  /** HVA of `start`; null for MMIO or when QEMU did not tell. */
  hva: bigint | null;
}

/** A RAM block and where its HVA came from (the 8.0+ HVA column, or one gpa2hva on 7.2). */
export interface SnapshotRamBlock extends RamBlock {
  hvaFrom: 'ramblock' | 'gpa2hva' | null;
}

/** The VT-d unit as its registers say (read through the gdbstub in physical mode). */
export interface SnapshotVtd {
  base: bigint;
  cap: bigint;
  ecap: bigint;
  gsts: bigint;
  /** GSTS.TES: DMA remapping enabled. */
  translationEnabled: boolean;
  /** GSTS.RTPS: RTADDR was latched; null when the root pointer was never set. */
  rtaddr: bigint | null;
  config: VtdConfig;
}

/** One address a device uses, in the space it lives in, with what it translates to. */
export interface SnapshotAddr {
  addr: bigint;
  space: 'giova' | 'gpa';
  gpa: bigint | null;
  hva: bigint | null;
  /** Why gpa or hva is null. */
  reason?: string;
  /** The VT-d leaf that translated a GIOVA. */
  walk?: { domainId: number; level: number; perm: Perm; pageSize: bigint };
}

export interface SnapshotDesc extends SnapshotAddr {
  /** Descriptor index in its table (the indirect table for `indirect` entries). */
  index: number;
  len: number;
  flags: string[];
  /** Read from an indirect table. */
  indirect: boolean;
}

export interface SnapshotQueue {
  index: number;
  status: VirtQueueStatus;
  layout: 'split' | 'packed';
  rings: { desc: SnapshotAddr; avail: SnapshotAddr; used: SnapshotAddr };
  /** avail.idx as read from guest memory (split rings). */
  availIdx: number | null;
  /** The chain at last-avail-idx, in chain order (as x-query-virtio-queue-element picks it). */
  head: number | null;
  next: SnapshotDesc[];
  /** The driver has made buffers available that the device has not taken yet. */
  pending: boolean | null;
  /** Why `next` is empty or cut short. */
  nextReason?: string;
}

export interface SnapshotVirtio {
  path: string;
  name: string;
  /** "BB:DD.F", null when the PCI proxy could not be matched. */
  pci: string | null;
  /** Null when x-query-virtio-status failed (see problems). */
  status: VirtioStatus | null;
  /** DMA goes through the vIOMMU with translation on (bus-master view rooted at a -dmar region). */
  behindIommu: boolean;
  /** Root region of the device's DMA flat view ("vtd-02.0-dmar", "memory"…), when found. */
  dmaRoot: string | null;
  queues: SnapshotQueue[];
  problems: string[];
}

export interface SnapshotCounts {
  qmp: number;
  gdb: number;
  /** 4 KiB guest pages read through the gdbstub. */
  pages: number;
}

export interface Snapshot {
  qemu: { version: string; major: number; minor: number; micro: number; package: string };
  memory: { regions: SnapshotRegion[]; ramBlocks: SnapshotRamBlock[] };
  pci: PciDevice[];
  vtd: SnapshotVtd | null;
  /** Why `vtd` is null (no gdbstub, no VT-d unit…). */
  vtdReason?: string;
  virtio: SnapshotVirtio[];
  counts: SnapshotCounts;
  elapsedMs: number;
  /** Things that went wrong without stopping the snapshot. */
  problems: string[];
}
