// One vhost-vdpa device (keyed by the pointer its traces print: the VhostVDPAShared in QEMU ≥ 9.0,
// the struct vhost_vdpa before) as the replay sees it: its sections, its kernel IOTLB per ASID,
// the listener operations still waiting for their map/unmap, and the SVQ allocator predictions.
import type { ReplayContext } from './context.js';
import type { MapRecord, TableInfo } from './timeline.js';
import type { AllocPredictor } from './allocPredictor.js';
import { TimelineKernelStore } from './vdpaKernelStore.js';

export interface PendingAdd {
  line: number;
  gpa: bigint;
  /** exclusive */
  llend: bigint;
  vaddr: bigint;
  readonly: boolean;
  section: MapRecord;
  /** IOVA each layout predicts for this section (SVQ) */
  predicted: Map<string, bigint | undefined>;
}

export interface PendingDel {
  line: number;
  gpa: bigint;
  /** inclusive */
  last: bigint;
  section?: MapRecord;
  /** IOVA each layout predicts QEMU unmaps (SVQ: start of the node found), undefined = nothing */
  predicted: Map<string, bigint | undefined>;
  /** bytes still expected to be unmapped for this section (a 2^64 section comes as two halves) */
  remaining: bigint;
}

export class VdpaDevice {
  readonly sections: TableInfo;
  readonly pendingAdds: PendingAdd[] = [];
  readonly pendingDels: PendingDel[] = [];
  /** true: shadow virtqueue (QEMU allocates IOVAs); false: IOVA == GPA; undefined: not seen yet */
  svq?: boolean;
  svqLine?: number;
  iovaRange?: { first: bigint; last: bigint; line: number };
  inBatch = false;
  batchLine?: number;
  /**
   * maps live at a device reset without IOTLB_PERSIST, with the reset line: vhost-vdpa's IOTLB
   * keeps them, but the parent may have dropped its device-side translation (§4.8)
   */
  lost: { rec: MapRecord; resetLine: number }[] = [];
  /** lines of the device resets seen so far */
  readonly resets: number[] = [];
  predictors: AllocPredictor[] = [];
  /** layout divergences already reported (one report per layout and device) */
  readonly divergenceReported = new Set<string>();
  /** host-only maps seen before the first guest-memory map told whether the vqs are shadowed */
  earlyHostOnly: { line: number; iova: bigint; uaddr: bigint; predicted: Map<AllocPredictor, bigint | undefined> }[] = [];
  started = false;
  /** every GPA range a region_add ever traced for this device ("start-last" in hex), live or not */
  private readonly sectionRangesSeen = new Set<string>();

  constructor(readonly ctx: ReplayContext, readonly key: string) {
    this.kernel = new TimelineKernelStore(ctx.timeline, (asid) => this.iotlb(asid), (asid, create) => this.orphans(asid, create));
    this.sections = ctx.timeline.table(`vdpa-sections ${key}`, () => ({
      kind: 'section',
      label: `vdpa ${key} listener sections`,
      keySpace: 'gpa',
      targetSpace: 'hva',
      owner: key,
    }));
  }

  private readonly iotlbByAsid: TableInfo[] = [];
  private readonly orphansByAsid: TableInfo[] = [];
  /** the kernel's IOTLB of this device, run by the model's rules over the timeline */
  readonly kernel: TimelineKernelStore;

  /** The possibly-still-mapped rests of cut maps in one ASID (created on first use). */
  orphans(asid: number, create: boolean): TableInfo | undefined {
    const cached = this.orphansByAsid[asid];
    if (cached || !create) return cached;
    return (this.orphansByAsid[asid] = this.ctx.timeline.table(`vdpa-orphans ${this.key} ${asid}`, () => ({
      kind: 'iotlb-orphan',
      label: `vdpa ${this.key} ASID ${asid} orphaned rests (possibly still mapped)`,
      keySpace: 'iova',
      targetSpace: 'hva',
      owner: this.key,
      asid,
    })));
  }

  iotlb(asid: number): TableInfo {
    const cached = this.iotlbByAsid[asid];
    if (cached) return cached;
    return (this.iotlbByAsid[asid] = this.ctx.timeline.table(`vdpa-iotlb ${this.key} ${asid}`, () => ({
      kind: 'iotlb',
      label: `vdpa ${this.key} ASID ${asid}`,
      keySpace: 'iova',
      targetSpace: 'hva',
      owner: this.key,
      asid,
    })));
  }

  /** Every ASID table this device has used so far. */
  sectionSeen(start: bigint, last: bigint): void {
    this.sectionRangesSeen.add(`${start.toString(16)}-${last.toString(16)}`);
  }

  /** whether a region_add ever traced exactly [start, last] for this device */
  hadSection(start: bigint, last: bigint): boolean {
    return this.sectionRangesSeen.has(`${start.toString(16)}-${last.toString(16)}`);
  }

  iotlbTables(): TableInfo[] {
    return this.ctx.timeline.tables.filter((t) => t.kind === 'iotlb' && t.owner === this.key);
  }

  /** Layouts still consistent with the trace (auto mode), or the one the user chose. */
  activePredictors(): AllocPredictor[] {
    return this.predictors.filter((p) => p.consistent);
  }
}
