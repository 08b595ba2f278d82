// Every mapping the trace creates, with the line that created it and the line that removed it.
// Tables group mappings by what they translate (a vDPA device's ASID, a listener's sections, a
// device's vIOMMU translations …). The live set of each table is kept ordered for overlap
// queries during replay; checkpoints of the live sets make "state as of line N" cheap.
import type { Perm } from '../../model/access.js';
import type { Space } from './spaces.js';
import { LiveSet } from './liveSet.js';
import { TimelineRecord, type MapRecord, type OwnerLabel, type ReasonSource, type RecordStore } from './mapRecord.js';
import { AddressColumns } from './addressColumns.js';
import { LineRecords } from './lineRecords.js';

export type { MapRecord, OwnerLabel, ReasonSource } from './mapRecord.js';
export { OWNER_OF_SOURCE, rangeLabel, sharedText } from './mapRecord.js';

/** Reason sources a timeline can hold; a reason code is index * REASON_SOURCES + source. */
const REASON_SOURCES = 16;

export type TableKind = 'iotlb' | 'iotlb-orphan' | 'section' | 'viommu' | 'device-iotlb' | 'mem-table' | 'virtio-iommu';

export interface TableInfo {
  id: number;
  kind: TableKind;
  /** human label, e.g. "vdpa 0x55d2c1a4e2b0 ASID 0" */
  label: string;
  /** the space of the keys (start..last) and of the translated addresses */
  keySpace: Space;
  targetSpace: Space;
  /** owner of the table: a vDPA shared pointer, a vhost dev pointer, a BDF or a domain */
  owner: string;
  asid?: number;
  device?: string;
}

/** A mapping as a handler creates it; the timeline numbers it and keeps it compact. */
export interface NewMapping {
  table: number;
  start: bigint;
  /** inclusive */
  last: bigint;
  target: bigint;
  perm: Perm;
  createdLine: number;
  /** a fixed text, a label built from the range when read, or OWNER_OF_SOURCE */
  owner?: OwnerLabel;
  source?: number;
}

interface Checkpoint {
  line: number;
  /** number of records created before the checkpoint */
  created: number;
  /** number of removals before the checkpoint */
  removed: number;
  live: Map<number, MapRecord[]>;
}

export const aliveAt = (r: MapRecord, line: number): boolean =>
  r.createdLine <= line && (r.removedLine === undefined || r.removedLine > line);

export class Timeline implements RecordStore {
  readonly tables: TableInfo[] = [];
  private readonly store: TimelineRecord[] = [];
  private readonly addresses = new AddressColumns();
  /** every record in creation order (its id is its index) */
  readonly records: readonly MapRecord[] = this.store;
  private readonly reasonSources: ReasonSource[] = [];
  /** false once a line came before an earlier one: line lookups then scan instead of bisecting */
  private inLineOrder = true;
  /** records created / removed by a line, answered from the logs (no per-line map to keep) */
  readonly createdAt = new LineRecords((line) => this.createdOn(line));
  readonly removedAt = new LineRecords((line) => this.removedOn(line));
  /** removals in line order (ids) */
  private readonly removals: number[] = [];
  private readonly live = new Map<number, LiveSet>();
  /** live records that name a source, per table and source id (e.g. a section's own IOTLB maps) */
  private readonly liveBySource = new Map<number, Map<number, MapRecord[]>>();
  private readonly checkpoints: Checkpoint[] = [];
  private mutationsSinceCheckpoint = 0;
  private liveCount = 0;
  private readonly tableByKey = new Map<string, number>();

  table(key: string, make: () => Omit<TableInfo, 'id'>): TableInfo {
    const id = this.tableByKey.get(key);
    if (id !== undefined) return this.tables[id];
    const info = { ...make(), id: this.tables.length };
    this.tables.push(info);
    this.tableByKey.set(key, info.id);
    this.live.set(info.id, new LiveSet(this.addresses));
    return info;
  }

  findTable(key: string): TableInfo | undefined {
    const id = this.tableByKey.get(key);
    return id === undefined ? undefined : this.tables[id];
  }

  liveSet(table: number): LiveSet {
    const s = this.live.get(table);
    if (!s) throw new Error(`no table ${table}`);
    return s;
  }

  add(r: NewMapping): MapRecord {
    const id = this.store.length;
    if (!Number.isInteger(r.table) || r.table < 0 || r.table >= this.tables.length) throw new Error(`no table ${r.table}`);
    this.addresses.push(id, r.start, r.last, r.target);
    const rec = new TimelineRecord(this, id, r.table, r.perm, r.createdLine, r.owner, r.source);
    if (this.store.length > 0 && r.createdLine < this.store[this.store.length - 1].createdLine) this.inLineOrder = false;
    this.store.push(rec);
    this.liveSet(rec.table).add(rec);
    if (rec.source !== undefined) this.indexSource(rec);
    this.liveCount++;
    this.mutated(rec.createdLine);
    return rec;
  }

  /** `by` is a literal text or a code from reasonCoder (its text is built when read). */
  remove(r: MapRecord, line: number, by: string | number): void {
    const rec = this.store[r.id];
    if (rec !== r) throw new Error(`record ${r.id} does not belong to this timeline`);
    if (rec.removedLine !== undefined) return;
    if (this.removals.length > 0 && line < this.store[this.removals[this.removals.length - 1]].removedLine!) this.inLineOrder = false;
    rec.markRemoved(line, by);
    this.liveSet(rec.table).remove(rec);
    if (rec.source !== undefined) this.unindexSource(rec);
    this.removals.push(rec.id);
    this.liveCount--;
    this.mutated(line);
  }

  /** Register texts told by number; returns how to turn an index into a reason code for remove(). */
  reasonCoder(src: ReasonSource): (index: number) => number {
    const id = this.reasonSources.length;
    if (id >= REASON_SOURCES) throw new Error(`a timeline holds at most ${REASON_SOURCES} reason sources`);
    this.reasonSources.push(src);
    return (index) => index * REASON_SOURCES + id;
  }

  reasonText(code: number): string {
    const src = this.reasonSources[code % REASON_SOURCES];
    if (!src) throw new Error(`removal reason code ${code} names no reason source`);
    return src.reason(Math.floor(code / REASON_SOURCES));
  }

  record(id: number): MapRecord | undefined {
    return this.store[id];
  }

  start(id: number): bigint {
    return this.addresses.start(id);
  }

  last(id: number): bigint {
    return this.addresses.last(id);
  }

  target(id: number): bigint {
    return this.addresses.target(id);
  }

  /** Records created by `line`, in id order. */
  createdOn(line: number): MapRecord[] {
    const recs = this.store;
    if (!this.inLineOrder) return recs.filter((r) => r.createdLine === line);
    let lo = 0;
    let hi = recs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (recs[mid].createdLine < line) lo = mid + 1;
      else hi = mid;
    }
    const out: MapRecord[] = [];
    for (let i = lo; i < recs.length && recs[i].createdLine === line; i++) out.push(recs[i]);
    return out;
  }

  /** Records removed by `line`, in id order. */
  removedOn(line: number): MapRecord[] {
    const ids = this.removals;
    const recs = this.store;
    if (!this.inLineOrder) return recs.filter((r) => r.removedLine === line);
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (recs[ids[mid]].removedLine! < line) lo = mid + 1;
      else hi = mid;
    }
    const out: MapRecord[] = [];
    for (let i = lo; i < ids.length && recs[ids[i]].removedLine === line; i++) out.push(recs[ids[i]]);
    return out.length > 1 ? out.sort((a, b) => a.id - b.id) : out;
  }

  /** Live records of a table overlapping [start, last], in key order. */
  overlapping(table: number, start: bigint, last: bigint): MapRecord[] {
    return this.liveSet(table).overlapping(start, last);
  }

  allLive(table: number): MapRecord[] {
    return this.liveSet(table).all();
  }

  /** Live records of a table whose source is `source`, in key order (no walk over the live set). */
  liveFromSource(table: number, source: number): MapRecord[] {
    const list = this.liveBySource.get(table)?.get(source);
    if (!list) return [];
    return list.length === 1 ? [list[0]] : list.slice().sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  private indexSource(r: MapRecord): void {
    let byTable = this.liveBySource.get(r.table);
    if (!byTable) this.liveBySource.set(r.table, (byTable = new Map()));
    const list = byTable.get(r.source!);
    if (list) list.push(r);
    else byTable.set(r.source!, [r]);
  }

  private unindexSource(r: MapRecord): void {
    const byTable = this.liveBySource.get(r.table);
    const list = byTable?.get(r.source!);
    if (!byTable || !list) return;
    const i = list.indexOf(r);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) byTable.delete(r.source!);
  }

  private mutated(line: number): void {
    // A checkpoint costs a copy of the live sets, so take one only after at least as many
    // mutations as there are live mappings: memory stays O(total mutations).
    if (++this.mutationsSinceCheckpoint < Math.max(1024, this.liveCount)) return;
    this.mutationsSinceCheckpoint = 0;
    const live = new Map<number, MapRecord[]>();
    for (const [t, s] of this.live) live.set(t, s.all());
    // The checkpoint holds the state after every mutation up to this one; mutations of the same
    // line that follow are replayed from the logs, so record the counts, not only the line.
    this.checkpoints.push({ line, created: this.records.length, removed: this.removals.length, live });
  }

  /** Records of `table` alive after line `line` was applied, in key order. */
  liveAt(table: number, line: number): MapRecord[] {
    const cp = this.checkpointBefore(line);
    const byId = new Map<number, MapRecord>();
    for (const r of cp?.live.get(table) ?? []) if (aliveAt(r, line)) byId.set(r.id, r);
    for (let i = cp?.created ?? 0; i < this.records.length; i++) {
      const r = this.records[i];
      if (r.createdLine > line) break;
      if (r.table === table && aliveAt(r, line)) byId.set(r.id, r);
    }
    return [...byId.values()].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Records of `table` alive after `line` that overlap [start, last]. */
  overlappingAt(table: number, line: number, start: bigint, last: bigint): MapRecord[] {
    const cp = this.checkpointBefore(line);
    const out: MapRecord[] = [];
    const seen = new Set<number>();
    const take = (r: MapRecord) => {
      if (!seen.has(r.id) && r.start <= last && r.last >= start && aliveAt(r, line)) {
        seen.add(r.id);
        out.push(r);
      }
    };
    for (const r of overlapInSorted(cp?.live.get(table) ?? [], start, last)) take(r);
    for (let i = cp?.created ?? 0; i < this.records.length; i++) {
      const r = this.records[i];
      if (r.createdLine > line) break;
      if (r.table === table) take(r);
    }
    return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  }

  /** Every record a table ever had that overlaps [start, last] (for history questions). */
  history(table: number, start: bigint, last: bigint): MapRecord[] {
    return this.records.filter((r) => r.table === table && r.start <= last && r.last >= start);
  }

  private checkpointBefore(line: number): Checkpoint | undefined {
    let lo = 0;
    let hi = this.checkpoints.length - 1;
    let best: Checkpoint | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      // A checkpoint taken in the middle of line L is still usable for line L: later mutations
      // of that line are filtered by their lines (aliveAt) and replayed from the record log.
      if (this.checkpoints[mid].line <= line) {
        best = this.checkpoints[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  get liveTotal(): number {
    return this.liveCount;
  }
}

/** Records of a start-sorted, non-overlapping list that overlap [start, last]. */
function overlapInSorted(list: MapRecord[], start: bigint, last: bigint): MapRecord[] {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].last < start) lo = mid + 1;
    else hi = mid;
  }
  const out: MapRecord[] = [];
  for (let i = lo; i < list.length && list[i].start <= last; i++) out.push(list[i]);
  return out;
}
