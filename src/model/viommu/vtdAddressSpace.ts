// One device's VT-d DMA address space as far as notifications go (VTDAddressSpace): the
// notifiers registered on its IOMMU region, the shadow of what MAP notifiers were told, and a
// log of every notification with its outcome per notifier.
import { hex } from '../u64.js';
import {
  alignedPow2Mask,
  IOMMU_NOTIFIER_MAP,
  IOMMU_NOTIFIER_UNMAP,
  notifierRangeUnmap,
  notifyAll,
  notifyOne,
  type IommuNotifier,
  type IommuTlbEvent,
  type NotifyOutcome,
  type NotifyRangeMode,
} from './iommuNotifier.js';
import { pageWalkOne, ShadowIovaTree, type WalkOneTrace } from './vtdShadow.js';

/** Why a notification was sent (which QEMU path produced it). */
export type NotificationCause = 'psi' | 'dsi' | 'global' | 'page-walk' | 'as-unmap' | 'notifier-range-unmap' | 'deviotlb' | 'replay';

export interface NotificationRecord {
  cause: NotificationCause;
  event: IommuTlbEvent;
  outcomes: NotifyOutcome[];
  /** trace line of the invalidation that caused it, when replaying a trace */
  line?: number;
}

const VTD_PAGE = 0x1000n;

export class VtdAddressSpace {
  readonly notifiers: IommuNotifier[] = [];
  readonly shadow = new ShadowIovaTree();
  readonly log: NotificationRecord[] = [];
  readonly traces: WalkOneTrace[] = [];
  /** set once a notification hit a QEMU assert: the real QEMU process would be gone */
  aborted?: string;

  constructor(
    /** 'BB:DD.F' */
    readonly device: string,
    readonly mode: NotifyRangeMode = 'assert',
  ) {}

  addNotifier(n: IommuNotifier): void {
    this.notifiers.push(n);
  }

  hasMapNotifier(): boolean {
    return this.notifiers.some((n) => (n.flags & IOMMU_NOTIFIER_MAP) !== 0);
  }

  /** memory_region_notify_iommu on this region. */
  deliver(event: IommuTlbEvent, cause: NotificationCause, line?: number): NotifyOutcome[] {
    return this.record(event, cause, line, notifyAll(this.notifiers, event, this.mode));
  }

  /** memory_region_notify_iommu_one to one notifier. */
  deliverTo(n: IommuNotifier, event: IommuTlbEvent, cause: NotificationCause, line?: number): NotifyOutcome[] {
    return this.record(event, cause, line, [notifyOne(n, event, this.mode)]);
  }

  private record(event: IommuTlbEvent, cause: NotificationCause, line: number | undefined, outcomes: NotifyOutcome[]): NotifyOutcome[] {
    if (this.aborted) return [];
    const rec: NotificationRecord = { cause, event, outcomes };
    if (line !== undefined) rec.line = line;
    this.log.push(rec);
    const abort = outcomes.find((o) => o.kind === 'abort');
    if (abort && abort.kind === 'abort') this.aborted = abort.reason;
    return outcomes;
  }

  /**
   * Feed the events of a page walk through vtd_page_walk_one. `notifyUnmap` is true for
   * invalidation syncs and false for a replay to a newly registered notifier (then `only`).
   */
  applyWalk(events: IommuTlbEvent[], domainId: number, opts: { notifyUnmap: boolean; cause: NotificationCause; line?: number; only?: IommuNotifier }): void {
    for (const ev of events) {
      const r = pageWalkOne(this.shadow, ev, { notifyUnmap: opts.notifyUnmap, domainId });
      this.traces.push(...r.traces);
      for (const n of r.notifications) {
        if (opts.only) this.deliverTo(opts.only, n, opts.cause, opts.line);
        else this.deliver(n, opts.cause, opts.line);
      }
    }
  }

  /** memory_region_unmap_iommu_notifier_range for every notifier (no MAP notifier to keep exact). */
  unmapAllNotifierRanges(cause: NotificationCause, line?: number): void {
    for (const n of this.notifiers) this.deliverTo(n, notifierRangeUnmap(n), cause, line);
  }

  /**
   * vtd_address_space_unmap: the notifier range, clipped to the guest address width, sent as
   * naturally aligned power-of-two UNMAP blocks; then the shadow drops everything in it.
   * Returns the `vtd_as_unmap_whole` values (start, total length).
   */
  unmapNotifier(n: IommuNotifier, awBits: number, line?: number): { start: bigint; total: bigint; events: number } {
    const start = n.start;
    const addrLimit = (1n << BigInt(awBits)) - 1n;
    // The clip to the address width is how QEMU avoids 64-bit overflow below (qemu-semantics
    // marks the exact clip UNVERIFIED; VTD_ADDRESS_SIZE(aw) - 1 is what we use).
    const end = n.end > addrLimit ? addrLimit : n.end;
    if (start > end) {
      this.aborted = `QEMU would abort: notifier ${n.name} starts at ${hex(start)}, above the ${awBits}-bit address width (assert in vtd_address_space_unmap)`;
      return { start, total: 0n, events: 0 };
    }
    const total = end - start + 1n;
    let remain = total;
    let at = start;
    let events = 0;
    while (remain >= VTD_PAGE) {
      const mask = alignedPow2Mask(at, end, awBits);
      this.deliverTo(n, { type: IOMMU_NOTIFIER_UNMAP, entry: { iova: at, addrMask: mask, translatedAddr: 0n, perm: 0 } }, 'as-unmap', line);
      events++;
      at += mask + 1n;
      remain -= mask + 1n;
    }
    if (remain !== 0n && !this.aborted)
      this.aborted = `QEMU would abort: notifier ${n.name} range [${hex(n.start)}, ${hex(n.end)}] leaves ${hex(remain)} bytes, not a page multiple (assert in vtd_address_space_unmap)`;
    this.shadow.remove({ iova: n.start, size: total - 1n, translatedAddr: 0n, perm: 0 });
    return { start, total, events };
  }
}
