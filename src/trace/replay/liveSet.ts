// The live mappings of one table, ordered by start. Mappings of one table never overlap
// (the kernel and QEMU refuse overlapping inserts; the replay removes before it adds), so a
// start-sorted array answers overlap queries by binary search.
import type { MapRecord } from './timeline.js';

export class LiveSet {
  private items: MapRecord[] = [];

  get size(): number {
    return this.items.length;
  }

  add(r: MapRecord): void {
    const i = this.lowerBound(r.start);
    this.items.splice(i, 0, r);
  }

  remove(r: MapRecord): void {
    let i = this.lowerBound(r.start);
    while (i < this.items.length && this.items[i] !== r && this.items[i].start === r.start) i++;
    if (this.items[i] === r) this.items.splice(i, 1);
    else {
      const j = this.items.indexOf(r);
      if (j >= 0) this.items.splice(j, 1);
    }
  }

  /** Mappings overlapping [start, last], in key order. */
  overlapping(start: bigint, last: bigint): MapRecord[] {
    // first item whose last >= start (items are disjoint and sorted, so `last` is sorted too)
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].last < start) lo = mid + 1;
      else hi = mid;
    }
    const out: MapRecord[] = [];
    for (let i = lo; i < this.items.length && this.items[i].start <= last; i++) out.push(this.items[i]);
    return out;
  }

  /** The mapping containing addr, if any. */
  at(addr: bigint): MapRecord | undefined {
    return this.overlapping(addr, addr)[0];
  }

  all(): MapRecord[] {
    return this.items.slice();
  }

  private lowerBound(start: bigint): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
