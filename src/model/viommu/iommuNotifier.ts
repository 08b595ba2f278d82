// IOMMU notifiers (include/exec/memory.h, system/memory.c): how a vIOMMU event reaches VFIO or
// vhost. The range check differs by QEMU version: 5.2 … 2025 crop only for DEVIOTLB notifiers
// and abort on a partially-outside event for the others; the 2025 change crops for everyone.
import { IOMMU_NONE, type Perm } from '../access.js';
import { add64, hex, sub64, U64_MAX } from '../u64.js';

export const IOMMU_NOTIFIER_UNMAP = 0x1;
export const IOMMU_NOTIFIER_MAP = 0x2;
export const IOMMU_NOTIFIER_DEVIOTLB_UNMAP = 0x4;
export const IOMMU_NOTIFIER_IOTLB_EVENTS = IOMMU_NOTIFIER_MAP | IOMMU_NOTIFIER_UNMAP;
export type IommuEventType = typeof IOMMU_NOTIFIER_UNMAP | typeof IOMMU_NOTIFIER_MAP | typeof IOMMU_NOTIFIER_DEVIOTLB_UNMAP;

/** IOMMUTLBEntry without target_as: addr_mask is length - 1. */
export interface IommuTlbEntry {
  iova: bigint;
  translatedAddr: bigint;
  addrMask: bigint;
  perm: Perm;
}

export interface IommuTlbEvent {
  type: IommuEventType;
  entry: IommuTlbEntry;
}

export interface IommuNotifier {
  /** who registered it, e.g. "vfio 0000:01:00.0" or "vhost 00:02.0" */
  name: string;
  /** IOMMU_NOTIFIER_* bits */
  flags: number;
  start: bigint;
  /** inclusive */
  end: bigint;
  /**
   * Added by the consumer to the event's IOVA (vfio/vhost keep it beside the notifier:
   * section offset_within_address_space - offset_within_region). QEMU does not crop with it.
   */
  iommuOffset: bigint;
}

/** 'assert': QEMU 5.2 … 10.0-era; 'crop': after the 2025 change that removed the assert. */
export type NotifyRangeMode = 'assert' | 'crop';

export type NotifyOutcome =
  | { kind: 'delivered'; notifier: IommuNotifier; type: IommuEventType; entry: IommuTlbEntry; cropped: boolean; consumerIova: bigint }
  | { kind: 'skipped'; notifier: IommuNotifier; why: 'no-overlap' | 'flags' }
  | { kind: 'abort'; notifier: IommuNotifier; reason: string };

export const eventName = (t: IommuEventType): string => (t === IOMMU_NOTIFIER_MAP ? 'MAP' : t === IOMMU_NOTIFIER_UNMAP ? 'UNMAP' : 'DEVIOTLB_UNMAP');

export function makeNotifier(name: string, flags: number, start: bigint, end: bigint, iommuOffset = 0n): IommuNotifier {
  if (start > end) throw new Error(`IOMMU notifier ${name}: start ${hex(start)} is above end ${hex(end)}`);
  if (end > U64_MAX || start < 0n) throw new Error(`IOMMU notifier ${name}: range ${hex(start)}..${hex(end)} is not 64-bit`);
  if ((flags & ~7) !== 0 || flags === 0) throw new Error(`IOMMU notifier ${name}: flags ${hex(BigInt(flags))} are not a set of MAP/UNMAP/DEVIOTLB_UNMAP`);
  return { name, flags, start, end, iommuOffset };
}

/** memory_region_notify_iommu_one: overlap test, crop or assert, then the flag filter. */
export function notifyOne(n: IommuNotifier, event: IommuTlbEvent, mode: NotifyRangeMode): NotifyOutcome {
  const e = event.entry;
  if (event.type === IOMMU_NOTIFIER_UNMAP && e.perm !== IOMMU_NONE)
    return { kind: 'abort', notifier: n, reason: `QEMU would abort: UNMAP event at ${hex(e.iova)} carries perm ${e.perm}, must be IOMMU_NONE` };
  // u64 like the C hwaddr: an event at the top of the space wraps instead of growing
  const entryEnd = add64(e.iova, e.addrMask);
  if (n.start > entryEnd || n.end < e.iova) return { kind: 'skipped', notifier: n, why: 'no-overlap' };
  const inside = e.iova >= n.start && entryEnd <= n.end;
  let entry = e;
  if (mode === 'crop' || (n.flags & IOMMU_NOTIFIER_DEVIOTLB_UNMAP) !== 0) {
    const iova = e.iova > n.start ? e.iova : n.start;
    entry = { ...e, iova, addrMask: sub64(entryEnd < n.end ? entryEnd : n.end, iova) };
  } else if (!inside) {
    // The assert fires before the flag filter, so even a notifier that would ignore this
    // event type takes QEMU down.
    return {
      kind: 'abort',
      notifier: n,
      reason: `QEMU would abort: ${eventName(event.type)} ${hex(e.iova)}..${hex(entryEnd)} is partly outside notifier ${n.name} [${hex(n.start)}, ${hex(n.end)}] (assert in memory_region_notify_iommu_one)`,
    };
  }
  if ((event.type & n.flags) === 0) return { kind: 'skipped', notifier: n, why: 'flags' };
  return { kind: 'delivered', notifier: n, type: event.type, entry, cropped: !inside, consumerIova: add64(entry.iova, n.iommuOffset) };
}

/** memory_region_notify_iommu over a region's notifiers. QEMU stops at an abort; so do we. */
export function notifyAll(notifiers: readonly IommuNotifier[], event: IommuTlbEvent, mode: NotifyRangeMode): NotifyOutcome[] {
  const out: NotifyOutcome[] = [];
  for (const n of notifiers) {
    const o = notifyOne(n, event, mode);
    out.push(o);
    if (o.kind === 'abort') break;
  }
  return out;
}

/** The event memory_region_unmap_iommu_notifier_range sends: the notifier's whole range. */
export const notifierRangeUnmap = (n: IommuNotifier): IommuTlbEvent => ({
  type: IOMMU_NOTIFIER_UNMAP,
  entry: { iova: n.start, translatedAddr: 0n, addrMask: n.end - n.start, perm: IOMMU_NONE },
});

const bitLength = (x: bigint): number => x.toString(2).length;

/**
 * dma_aligned_pow2_mask: the largest naturally aligned power-of-two block starting at `start`
 * that fits in [start, end], as a mask (length - 1), capped at 2^maxAddrBits - 1.
 */
export function alignedPow2Mask(start: bigint, end: bigint, maxAddrBits: number): bigint {
  const maxMask = maxAddrBits >= 64 ? U64_MAX : (1n << BigInt(maxAddrBits)) - 1n;
  const addrMask = sub64(end, start);
  let alignMask = start === 0n ? maxMask : (start & -start) - 1n;
  if (alignMask > maxMask) alignMask = maxMask;
  const sizeMask = addrMask < maxMask ? addrMask : maxMask;
  if (alignMask <= sizeMask) return alignMask;
  if (addrMask === U64_MAX) return U64_MAX;
  return (1n << BigInt(bitLength(addrMask + 1n) - 1)) - 1n;
}
