// QEMU's answer to a vhost-kernel VHOST_IOTLB_MISS (vhost_device_iotlb_miss, qemu-semantics
// §5.3): translate the guest IOVA through the vIOMMU, find the page's GPA in the vhost memory
// table, and send an UPDATE for at most one vIOMMU page, always read-write.
import { IOMMU_RW, type Perm } from '../access.js';
import type { GiovaTranslation, GiovaTranslator } from '../translation.js';
import { add64, hex, minU64 } from '../u64.js';
import type { VhostMemoryRegion } from './vhostUapi.js';

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
  translation: Extract<GiovaTranslation, { ok: true }>;
}

export type MissAnswer = { ok: true; update: IotlbUpdatePlan } | { ok: false; reason: string; translation?: GiovaTranslation };

/**
 * Compute the UPDATE QEMU sends for a miss at `giova` of `device`. `write` is what the miss
 * asked for (QEMU derives it from `perm != VHOST_ACCESS_RO`); it only steers the vIOMMU walk.
 */
export function answerIotlbMiss(translator: GiovaTranslator, device: string, giova: bigint, write: boolean, memTable: readonly VhostMemoryRegion[]): MissAnswer {
  const tr = translator.translate(device, giova, write ? 'write' : 'read');
  if (!tr.ok) return { ok: false, reason: `IOTLB miss at GIOVA ${hex(giova)} of ${device}: vIOMMU has no translation (${tr.reason})`, translation: tr };
  const pageMask = tr.pageMask;
  const gpaPage = tr.gpa & ~pageMask;
  // Lookup on the page-aligned GPA, as QEMU does with translated_addr.
  const region = memTable.find((r) => r.guestPhysAddr <= gpaPage && gpaPage - r.guestPhysAddr < r.memorySize);
  if (!region) {
    return { ok: false, reason: `IOTLB miss at GIOVA ${hex(giova)} of ${device}: GPA ${hex(gpaPage)} is in no vhost memory table region (QEMU: "Fail to lookup the translated address")`, translation: tr };
  }
  const off = gpaPage - region.guestPhysAddr;
  // addr_mask + 1 is hwaddr arithmetic in QEMU: a full-space mask wraps to 0 there, so here too.
  const size = minU64(add64(pageMask, 1n), region.memorySize - off);
  return {
    ok: true,
    update: { iova: giova & ~pageMask, size, uaddr: region.userspaceAddr + off, perm: IOMMU_RW, gpa: gpaPage, region, translation: tr },
  };
}
