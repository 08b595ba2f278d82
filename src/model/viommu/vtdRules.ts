// The VT-d rules the trace replay applies, as QEMU's intel_iommu.c runs them (qemu-semantics §6.4,
// §7.5). Plain functions over small inputs: the replay (src/trace/replay/vtd*.ts) keeps its own
// compact timeline and asks these what an event means.
import { IOMMU_RW, type Perm } from '../access.js';
import { U64_MAX } from '../u64.js';
import { SL_R, SL_W } from './vtdFormat.js';

/** QEMU refuses an address-mask order above its MAMV; an order whose range passes 2^64 is not QEMU's. */
export const MAX_PSI_ORDER = 52;

/**
 * Page-selective invalidation (vtd_inv_desc_iotlb_pages): the mask is an ORDER, the range is
 * [addr, addr + (4 KiB << am) - 1], clipped at 2^64 - 1. Undefined for an order QEMU cannot send.
 */
export function psiRange(addr: bigint, am: number): { start: bigint; last: bigint } | undefined {
  if (!Number.isInteger(am) || am < 0 || am > MAX_PSI_ORDER) return undefined;
  const last = addr + (0x1000n << BigInt(am)) - 1n;
  return { start: addr, last: last > U64_MAX ? U64_MAX : last };
}

/** The page a translation covers: vtd_dmar_translate / vtd_page_walk_one print an addr_mask (length - 1). */
export const translatedPage = (iova: bigint, mask: bigint, gpa: bigint): { start: bigint; last: bigint; gpa: bigint } => ({
  start: iova & ~mask,
  last: (iova & ~mask) | mask,
  gpa: gpa & ~mask,
});

/**
 * The permission a second-level leaf grants: bit 0 (R) and bit 1 (W) of the slpte, as QEMU builds
 * IOMMU_ACCESS_FLAG(reads, writes) for the IOTLB entry. 0 means not present.
 */
export const slptePerm = (slpte: bigint): Perm => (((slpte & SL_R) !== 0n ? 1 : 0) | ((slpte & SL_W) !== 0n ? 2 : 0)) as Perm;

/**
 * With DMAR off for a device (vtd_switch_address_space … enabled=0: translation disabled or a
 * pass-through context), QEMU's translate answers identity, 4 KiB, read-write, and fills no IOTLB
 * entry: such a translation is pass-through, not a vIOMMU mapping the guest can invalidate.
 */
export function isPassThrough(dmarOn: boolean | undefined, iova: bigint, gpa: bigint): boolean {
  return dmarOn === false && iova === gpa;
}

/**
 * The permission a traced translation grants: the one QEMU printed with it, else the R/W bits of
 * the last second-level leaf traced for the device when that leaf lies in the translated page,
 * else read-write (QEMU's IOTLB entry for RAM). 0 (a non-present leaf) translates nothing: QEMU
 * faults instead.
 */
export function translationPerm(printed: Perm | undefined, leaf: { addr: bigint; perm: Perm } | undefined, pageStart: bigint, pageLast: bigint): Perm {
  if (printed !== undefined) return printed;
  return leaf && leaf.addr >= pageStart && leaf.addr <= pageLast ? leaf.perm : IOMMU_RW;
}

/** What QEMU's DMAR-off path grants. */
export const PASS_THROUGH_PERM: Perm = IOMMU_RW;

/** as-switch: a device's address space switched (it drops only that device's translations). */
export type VtdInvalidationKind = 'psi' | 'dsi' | 'global' | 'as-switch';

/**
 * Which devices an IOTLB invalidation reaches: a global one every device, a domain- or
 * page-selective one the devices whose last IOTLB event named that domain.
 */
export function invalidatedDevices(kind: VtdInvalidationKind, domain: number | undefined, devices: readonly string[], domainOf: ReadonlyMap<string, number>): string[] {
  if (kind === 'global') return [...devices];
  if (kind === 'as-switch' || domain === undefined) return [];
  return devices.filter((d) => domainOf.get(d) === domain);
}

/** VT-d fault reasons as the spec numbers them (the ones QEMU raises). */
const FAULT_REASON: Record<number, string> = {
  1: 'root entry not present',
  2: 'context entry not present',
  3: 'invalid context entry',
  4: 'address beyond the guest address width',
  5: 'write not permitted (PTE lacks W)',
  6: 'read not permitted (no present PTE for read)',
  7: 'invalid paging entry',
  8: 'root table invalid',
  9: 'context table invalid',
  10: 'reserved bits in root entry',
  11: 'reserved bits in context entry',
  12: 'reserved bits in paging entry',
  13: 'unsupported translation type',
};

export const faultReason = (reason: number): string => FAULT_REASON[reason] ?? 'unknown';
