// The live mappings of one table, ordered by start. Mappings of one table never overlap
// (the kernel and QEMU refuse overlapping inserts; the replay removes before it adds), so their
// ends are sorted too and overlap queries are binary searches. Kept as a list of small sorted
// chunks so inserts and removals stay cheap with hundreds of thousands of live mappings.
import type { MapRecord } from './timeline.js';

const MAX_CHUNK = 256;

export class LiveSet {
  private chunks: MapRecord[][] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(r: MapRecord): void {
    this.count++;
    if (this.chunks.length === 0) {
      this.chunks.push([r]);
      return;
    }
    // last chunk whose first start <= r.start (or the first chunk)
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.chunks[mid][0].start <= r.start) lo = mid;
      else hi = mid - 1;
    }
    const c = this.chunks[lo];
    c.splice(lowerBound(c, r.start), 0, r);
    if (c.length > MAX_CHUNK) this.chunks.splice(lo + 1, 0, c.splice(MAX_CHUNK >> 1));
  }

  remove(r: MapRecord): void {
    const ci = this.chunkFor(r.start);
    if (ci < 0) return;
    const c = this.chunks[ci];
    let i = lowerBound(c, r.start);
    while (i < c.length && c[i] !== r && c[i].start === r.start) i++;
    if (c[i] !== r) return;
    c.splice(i, 1);
    this.count--;
    if (c.length === 0) this.chunks.splice(ci, 1);
  }

  /** Mappings overlapping [start, last], in key order. */
  overlapping(start: bigint, last: bigint): MapRecord[] {
    const out: MapRecord[] = [];
    // first chunk whose last item ends at or after start
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid];
      if (c[c.length - 1].last < start) lo = mid + 1;
      else hi = mid;
    }
    for (let ci = lo; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci];
      let i = 0;
      if (ci === lo) {
        let a = 0;
        let b = c.length;
        while (a < b) {
          const m = (a + b) >> 1;
          if (c[m].last < start) a = m + 1;
          else b = m;
        }
        i = a;
      }
      for (; i < c.length; i++) {
        if (c[i].start > last) return out;
        out.push(c[i]);
      }
    }
    return out;
  }

  /** The mapping containing addr, if any. */
  at(addr: bigint): MapRecord | undefined {
    return this.overlapping(addr, addr)[0];
  }

  all(): MapRecord[] {
    return this.chunks.length === 1 ? this.chunks[0].slice() : this.chunks.flat();
  }

  /** index of the chunk that would hold a record starting at `start`, or -1 */
  private chunkFor(start: bigint): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.chunks[mid][0].start <= start) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

function lowerBound(c: MapRecord[], start: bigint): number {
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid].start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
