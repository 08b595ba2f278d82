// Every mapping the trace creates, with the line that created it and the line that removed it.
// Tables group mappings by what they translate (a vDPA device's ASID, a listener's sections, a
// device's vIOMMU translations …). The live set of each table is kept ordered for overlap
// queries during replay; checkpoints of the live sets make "state as of line N" cheap.
import type { Perm } from '../../model/access.js';
import type { Space } from './spaces.js';
import { LiveSet } from './liveSet.js';

export type TableKind = 'iotlb' | 'section' | 'viommu' | 'device-iotlb' | 'mem-table' | 'virtio-iommu';

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

export interface MapRecord {
  id: number;
  table: number;
  start: bigint;
  /** inclusive */
  last: bigint;
  /** translated address of `start` */
  target: bigint;
  perm: Perm;
  createdLine: number;
  removedLine?: number;
  /** what removed it, e.g. "dma_unmap", "reset", "psi", "region_del" */
  removedBy?: string;
  /** name of what it maps, e.g. "GPA [0x0, 0x7fffffff]", "SVQ ring", a region name */
  owner?: string;
  /** the record this one was derived from (e.g. an IOTLB entry's section) */
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

export class Timeline {
  readonly tables: TableInfo[] = [];
  readonly records: MapRecord[] = [];
  /** removals in line order (ids) */
  private readonly removals: number[] = [];
  private readonly live = new Map<number, LiveSet>();
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
    this.live.set(info.id, new LiveSet());
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

  add(r: Omit<MapRecord, 'id'>): MapRecord {
    const rec = r as MapRecord;
    rec.id = this.records.length;
    this.records.push(rec);
    this.liveSet(rec.table).add(rec);
    this.liveCount++;
    this.mutated(rec.createdLine);
    return rec;
  }

  remove(rec: MapRecord, line: number, by: string): void {
    if (rec.removedLine !== undefined) return;
    rec.removedLine = line;
    rec.removedBy = by;
    this.liveSet(rec.table).remove(rec);
    this.removals.push(rec.id);
    this.liveCount--;
    this.mutated(line);
  }

  /** Live records of a table overlapping [start, last], in key order. */
  overlapping(table: number, start: bigint, last: bigint): MapRecord[] {
    return this.liveSet(table).overlapping(start, last);
  }

  allLive(table: number): MapRecord[] {
    return this.liveSet(table).all();
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
