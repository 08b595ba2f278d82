// What a guest IOTLB invalidation makes VT-d tell the notifiers (VFIO, vhost) of each device:
// PSI, DSI and global invalidations, the shadow resync they trigger, and device-IOTLB
// invalidations. Guest tables come through a sync `VtdTables` (a page map or preloaded pages).
import { IOMMU_NONE } from '../access.js';
import { hex, U64_MAX } from '../u64.js';
import { IOMMU_NOTIFIER_DEVIOTLB_UNMAP, IOMMU_NOTIFIER_UNMAP } from './iommuNotifier.js';
import type { VtdAddressSpace } from './vtdAddressSpace.js';
import type { ContextEntry } from './vtdFormat.js';
import { VTD_MAMV } from './vtdIotlb.js';
import type { PageWalkOutcome } from './vtdPageWalk.js';
import type { ContextLookup } from './vtdWalker.js';

/** Sync access to the guest's VT-d tables for one device. */
export interface VtdTables {
  awBits: number;
  context(device: string): ContextLookup;
  walkRange(ce: ContextEntry, start: bigint, end: bigint): PageWalkOutcome;
}

/** Something that went wrong while syncing, reported rather than thrown. */
export interface SyncProblem {
  device: string;
  reason: string;
}

const withNotifiers = (spaces: Iterable<VtdAddressSpace>): VtdAddressSpace[] => [...spaces].filter((s) => s.notifiers.length > 0);

/** vtd_sync_shadow_page_table_range: walk [start, end) and notify what changed. */
export function syncShadowRange(as: VtdAddressSpace, tables: VtdTables, ce: ContextEntry, start: bigint, end: bigint, line?: number): SyncProblem[] {
  const walk = tables.walkRange(ce, start, end);
  if (!walk.ok) return [{ device: as.device, reason: walk.reason }];
  const opts = line === undefined ? { notifyUnmap: true, cause: 'page-walk' as const } : { notifyUnmap: true, cause: 'page-walk' as const, line };
  as.applyWalk(walk.events, ce.domainId, opts);
  return walk.skips.map((s) => ({ device: as.device, reason: `page walk skipped ${hex(s.iova)}..${hex(s.next - 1n)} (${s.why}): ${s.detail}` }));
}

/** vtd_sync_shadow_page_table: whole-range resync, or whole-range UNMAPs when nothing is shadowed. */
export function syncShadow(as: VtdAddressSpace, tables: VtdTables, cause: 'dsi' | 'global', line?: number): SyncProblem[] {
  if (!as.hasMapNotifier()) {
    as.unmapAllNotifierRanges(cause, line);
    return [];
  }
  const ctx = tables.context(as.device);
  if (!ctx.ok) {
    // A context entry the guest cleared is normal (device moving between domains): everything
    // the notifiers hold must go.
    if (ctx.faultReason === 2) {
      for (const n of as.notifiers) as.unmapNotifier(n, tables.awBits, line);
      return [];
    }
    return [{ device: as.device, reason: ctx.reason }];
  }
  return syncShadowRange(as, tables, ctx.ce, 0n, U64_MAX, line);
}

/**
 * Page-selective invalidation: devices whose context names `domainId` either resync
 * [addr, addr + size) (MAP notifier present) or get one UNMAP of the whole invalidated range,
 * however little of it was mapped.
 */
export function psiNotify(spaces: Iterable<VtdAddressSpace>, tables: VtdTables, domainId: number, addr: bigint, am: number, line?: number): SyncProblem[] {
  if (!Number.isInteger(am) || am < 0 || am > VTD_MAMV) return [{ device: '*', reason: `PSI at ${hex(addr)}: am ${am} outside 0..${VTD_MAMV}, QEMU rejects the descriptor` }];
  const size = 0x1000n << BigInt(am);
  const problems: SyncProblem[] = [];
  for (const as of withNotifiers(spaces)) {
    const ctx = tables.context(as.device);
    if (!ctx.ok || ctx.ce.domainId !== domainId) continue;
    if (as.hasMapNotifier()) problems.push(...syncShadowRange(as, tables, ctx.ce, addr, addr + size, line));
    else as.deliver({ type: IOMMU_NOTIFIER_UNMAP, entry: { iova: addr, addrMask: size - 1n, translatedAddr: 0n, perm: IOMMU_NONE } }, 'psi', line);
  }
  return problems;
}

/** Domain-selective invalidation: resync every device whose (present) context names the domain. */
export function dsiNotify(spaces: Iterable<VtdAddressSpace>, tables: VtdTables, domainId: number, line?: number): SyncProblem[] {
  const problems: SyncProblem[] = [];
  for (const as of withNotifiers(spaces)) {
    const ctx = tables.context(as.device);
    if (ctx.ok && ctx.ce.domainId === domainId) problems.push(...syncShadow(as, tables, 'dsi', line));
  }
  return problems;
}

/** Global invalidation: resync every device that has notifiers. */
export function globalNotify(spaces: Iterable<VtdAddressSpace>, tables: VtdTables, line?: number): SyncProblem[] {
  return withNotifiers(spaces).flatMap((as) => syncShadow(as, tables, 'global', line));
}

/**
 * Range of a device-IOTLB invalidation descriptor: 4 KiB when S = 0; with S = 1 the number of
 * trailing one bits above bit 12 encodes the size (2 pages << count), and the address is
 * aligned down to it.
 */
export function deviceIotlbRange(addr: bigint, sizeBit: boolean): { iova: bigint; addrMask: bigint } {
  if (!sizeBit) return { iova: addr & ~0xfffn, addrMask: 0xfffn };
  let ones = 0n;
  for (let v = addr >> 12n; (v & 1n) === 1n && ones < 52n; v >>= 1n) ones++;
  const sz = 0x2000n << ones;
  return { iova: addr & ~(sz - 1n), addrMask: sz - 1n };
}

/** A device-IOTLB invalidation reaches the device's DEVIOTLB notifiers (vhost device IOTLB). */
export function deviotlbNotify(as: VtdAddressSpace, addr: bigint, sizeBit: boolean, line?: number): void {
  const r = deviceIotlbRange(addr, sizeBit);
  as.deliver({ type: IOMMU_NOTIFIER_DEVIOTLB_UNMAP, entry: { iova: r.iova, addrMask: r.addrMask, translatedAddr: 0n, perm: IOMMU_NONE } }, 'deviotlb', line);
}

/**
 * vtd_iommu_replay for a notifier registered late: drop what it may hold, then (context
 * present, MAP notifier registered) send MAPs for every mapping, without UNMAPs.
 */
export function replayNotifier(as: VtdAddressSpace, tables: VtdTables, n: (typeof as.notifiers)[number]): SyncProblem[] {
  as.unmapNotifier(n, tables.awBits);
  const ctx = tables.context(as.device);
  if (!ctx.ok) return ctx.faultReason === 2 ? [] : [{ device: as.device, reason: ctx.reason }];
  if (!as.hasMapNotifier()) return [];
  const walk = tables.walkRange(ctx.ce, 0n, U64_MAX);
  if (!walk.ok) return [{ device: as.device, reason: walk.reason }];
  as.applyWalk(walk.events, ctx.ce.domainId, { notifyUnmap: false, cause: 'replay', only: n });
  return [];
}
