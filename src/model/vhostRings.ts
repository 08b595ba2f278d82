// What a vhost device was told about memory and rings (part 9): its memory table (struct
// vhost_memory), the virtqueue addresses QEMU gave the backend (struct vhost_virtqueue) and, for
// vhost-vdpa with shadow virtqueues, each SVQ's own vring in QEMU's memory with the IOVA the
// device uses for it. Plain data; the IOVA of a host address is looked up in the device's
// VhostIOVATree by the rule QEMU's vhost_iova_tree_find_iova applies (translated address → node).
import type { InternalIovaMap, InternalIovaTree } from './qemuInternals.js';

/** One region of struct vhost_memory; `last` is inclusive (guest_phys_addr + memory_size − 1). */
export interface VhostMemRegion {
  gpa: bigint;
  size: bigint;
  /** userspace_addr: the HVA of `gpa` in QEMU */
  hva: bigint;
}

/** One struct vhost_virtqueue: the ring addresses as QEMU read them from the guest (GPAs, or GIOVAs behind a vIOMMU). */
export interface VhostVq {
  /** the virtqueue index in the device (vhost_dev.vq_index + i) */
  index: number;
  num: number;
  desc: bigint;
  avail: bigint;
  used: bigint;
  /** desc_size/avail_size/used_size when this QEMU keeps them */
  sizes?: { desc: number; avail: number; used: number };
}

/** One part of a shadow vring: its HVA in QEMU and the IOVA the IOVA tree maps it at (null: no node holds it). */
export interface SvqArea {
  hva: bigint;
  iova: bigint | null;
}

export interface VhostSvq {
  /** position in vhost_vdpa.shadow_vqs (the device's virtqueue vq_index + index) */
  index: number;
  num: number;
  desc: SvqArea;
  avail: SvqArea;
  used: SvqArea;
}

/** vhost-vdpa's own state of one vhost_dev. */
export interface VhostVdpaState {
  /** vhost_vdpa.address_space_id; null when this QEMU has no such field (every map goes to ASID 0) */
  asid: number | null;
  shadowVqsEnabled: boolean;
  svq: VhostSvq[];
  /**
   * net/vhost-vdpa.c's VhostVDPAState around this vhost_vdpa, when its NetClientInfo proves it
   * one: 'data' for a queue pair, 'cvq' for the control virtqueue, whose command and status
   * buffers QEMU maps for the device (null until allocated)
   */
  net?: { role: 'data' | 'cvq'; cmd: SvqArea | null; status: SvqArea | null };
}

/** The HVA-keyed nodes of a tree: every node of the legacy tree, the IOVA→HVA tree of the current one. */
const hvaMaps = (t: InternalIovaTree): InternalIovaMap[] => t.maps.filter((m) => m.gpa === undefined);

/** The IOVA of host address `hva` in `tree`: the first node whose [taddr, taddr + last − iova] holds it. */
export function iovaOfHva(tree: InternalIovaTree | null, hva: bigint): bigint | null {
  if (!tree) return null;
  for (const m of hvaMaps(tree)) {
    if (hva >= m.taddr && hva - m.taddr <= m.last - m.iova) return m.iova + (hva - m.taddr);
  }
  return null;
}
