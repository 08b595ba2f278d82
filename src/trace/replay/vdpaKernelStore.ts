// The kernel IOTLB of one vhost-vdpa device kept in the replay's timeline: live maps in the
// device's 'iotlb' table per ASID, orphaned rests in its 'iotlb-orphan' table. The rules are the
// model's (src/model/iotlb/kernelIotlb.ts); this only stores what they decide.
import { hex } from '../../model/u64.js';
import type { KernelEntry, KernelIotlbStore } from '../../model/iotlb/kernelIotlb.js';
import type { Timeline, MapRecord, OwnerLabel, TableInfo } from './timeline.js';

export interface RecEntry extends KernelEntry {
  rec: MapRecord;
}

/** How the next live entry is named in the timeline (its listener section, or a fixed text). */
export interface LiveLabel {
  owner?: OwnerLabel;
  source?: number;
}

interface OrphanMeta {
  cutLine?: number;
  cutBelow?: boolean;
  cutAbove?: boolean;
  confirmedLine?: number;
  /** the live map record it is the rest of */
  origin: MapRecord;
}

const WHY = { invalidate: 'dma_unmap', cleared: 'a later map at this IOVA succeeded: this part was gone', trimmed: 'dma_unmap' } as const;

export class TimelineKernelStore implements KernelIotlbStore<RecEntry> {
  private readonly asids = new Set<number>();
  private readonly meta = new Map<number, OrphanMeta>();
  /** set by the caller before an UPDATE is committed */
  liveLabel: LiveLabel = {};

  constructor(
    private readonly tl: Timeline,
    private readonly live: (asid: number) => TableInfo,
    /** the orphan table of an ASID; created only when `create` */
    private readonly orphans: (asid: number, create: boolean) => TableInfo | undefined,
  ) {}

  hasAsid(asid: number): boolean {
    return this.asids.has(asid);
  }
  createAsid(asid: number): void {
    this.asids.add(asid);
  }

  private entry(r: MapRecord, asid: number, orphan: boolean): RecEntry {
    const e: RecEntry = { rec: r, asid, iova: r.start, last: r.last, uaddr: r.target, perm: r.perm, state: orphan ? 'orphaned' : 'live', createdLine: r.createdLine };
    if (!orphan) return e;
    const m = this.meta.get(r.id);
    if (!m) return e;
    e.createdLine = m.origin.createdLine;
    if (m.cutLine !== undefined) e.cutLine = m.cutLine;
    if (m.cutBelow) e.cutBelow = true;
    if (m.cutAbove) e.cutAbove = true;
    if (m.confirmedLine !== undefined) e.confirmedLine = m.confirmedLine;
    e.from = this.entry(m.origin, asid, false);
    return e;
  }

  overlapping(asid: number, first: bigint, last: bigint): RecEntry[] {
    const out = this.tl.overlapping(this.live(asid).id, first, last).map((r) => this.entry(r, asid, false));
    const o = this.orphans(asid, false);
    // one table's records come in IOVA order already: only a merge with the orphans needs the sort
    if (!o) return out;
    out.push(...this.tl.overlapping(o.id, first, last).map((r) => this.entry(r, asid, true)));
    return out.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
  }

  /** Live entries of every ASID used so far (for "what survived the reset"). */
  liveRecords(asid: number): MapRecord[] {
    return this.tl.allLive(this.live(asid).id);
  }

  insert(e: KernelEntry, line: number | undefined): RecEntry {
    const ln = line ?? e.createdLine ?? 0;
    if (e.state === 'live') {
      const r = this.tl.add({ table: this.live(e.asid).id, start: e.iova, last: e.last, target: e.uaddr, perm: e.perm, createdLine: ln, owner: this.liveLabel.owner, source: this.liveLabel.source });
      return this.entry(r, e.asid, false);
    }
    const origin = (e.from as RecEntry | undefined)?.rec;
    if (!origin) throw new Error('an orphaned IOTLB rest needs the map it comes from');
    const owner = `orphaned rest of ${origin.owner ?? 'the map'} IOVA [${hex(origin.start)}, ${hex(origin.last)}] (line ${origin.createdLine}${e.cutLine === undefined ? '' : `, cut at line ${e.cutLine}`}): possibly still mapped in the kernel`;
    const r = this.tl.add({ table: this.orphans(e.asid, true)!.id, start: e.iova, last: e.last, target: e.uaddr, perm: e.perm, createdLine: ln, owner, source: origin.id });
    const m: OrphanMeta = { origin };
    if (e.cutLine !== undefined) m.cutLine = e.cutLine;
    if (e.cutBelow) m.cutBelow = true;
    if (e.cutAbove) m.cutAbove = true;
    if (e.confirmedLine !== undefined) m.confirmedLine = e.confirmedLine;
    this.meta.set(r.id, m);
    return this.entry(r, e.asid, true);
  }

  remove(e: RecEntry, line: number | undefined, why: 'invalidate' | 'cleared' | 'trimmed'): void {
    this.tl.remove(e.rec, line ?? e.rec.createdLine, WHY[why]);
    this.meta.delete(e.rec.id);
  }

  confirm(e: RecEntry, line: number | undefined): void {
    const m = this.meta.get(e.rec.id);
    if (m && line !== undefined) m.confirmedLine = line;
  }
}
