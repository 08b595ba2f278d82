// QEMU's answer to a vhost-kernel VHOST_IOTLB_MISS (vhost_device_iotlb_miss, qemu-semantics
// §5.3): with the vIOMMU's translation of the guest IOVA, find the page's GPA in the vhost memory
// table, and send an UPDATE for at most one vIOMMU page, always read-write. The trace replay feeds
// it the traced translation (vtd_dmar_translate between the two miss steps).
import { IOMMU_RW, type Perm } from '../access.js';
import { add64, hex, minU64 } from '../u64.js';

/** One row of the vhost memory table (struct vhost_memory_region). */
export interface VhostMemoryRegion {
  guestPhysAddr: bigint;
  /** a length */
  memorySize: bigint;
  userspaceAddr: bigint;
}

export interface IotlbUpdatePlan {
  /** IOVA aligned down to the vIOMMU page */
  iova: bigint;
  /** LENGTH of the UPDATE */
  size: bigint;
  uaddr: bigint;
  /** always VHOST_ACCESS_RW: QEMU's IOTLB lookup hands out RW for RAM whatever the access */
  perm: Perm;
  /** GPA of the page and the memory-table row it was found in */
  gpa: bigint;
  region: VhostMemoryRegion;
}

/** A vIOMMU translation of the missed page, as QEMU's address_space_get_iotlb_entry gives it. */
export interface MissTranslation {
  giova: bigint;
  /** vIOMMU page mask (addr_mask) */
  pageMask: bigint;
  /** translated address (any offset inside the page is dropped) */
  gpa: bigint;
}

export type MissPlan = { ok: true; update: IotlbUpdatePlan } | { ok: false; reason: string };

/**
 * Steps 3-5 of vhost_device_iotlb_miss: the page's GPA in the vhost memory table, then an UPDATE
 * of min(page, bytes left in that region) at the page-aligned IOVA, always RW. `findRegion` is
 * the memory-table lookup (the live model's table, or the trace's sections).
 */
export function planMissUpdate(t: MissTranslation, findRegion: (gpaPage: bigint) => VhostMemoryRegion | undefined): MissPlan {
  const gpaPage = t.gpa & ~t.pageMask;
  // Lookup on the page-aligned GPA, as QEMU does with translated_addr.
  const region = findRegion(gpaPage);
  if (!region) return { ok: false, reason: `GPA ${hex(gpaPage)} is in no vhost memory table region (QEMU: "Fail to lookup the translated address")` };
  const off = gpaPage - region.guestPhysAddr;
  // addr_mask + 1 is hwaddr arithmetic in QEMU: a full-space mask wraps to 0 there, so here too.
  const size = minU64(add64(t.pageMask, 1n), region.memorySize - off);
  return { ok: true, update: { iova: t.giova & ~t.pageMask, size, uaddr: region.userspaceAddr + off, perm: IOMMU_RW, gpa: gpaPage, region } };
}
