// The live mappings of one table, ordered by start. Mappings of one table never overlap
// (the kernel and QEMU refuse overlapping inserts; the replay removes before it adds), so their
// ends are sorted too and overlap queries are binary searches. Kept as a list of small sorted
// chunks so inserts and removals stay cheap with hundreds of thousands of live mappings.
// Searches compare the records' numeric keys (addressColumns.ts), exact up to 2^53: no BigInt
// is made per comparison, and above 2^53 a tie of keys is broken on the exact addresses.
import type { MapRecord } from './timeline.js';

const MAX_CHUNK = 256;

/** Each record's start and last as doubles (nearest, so ordered like the addresses). */
export interface AddressKeys {
  startKey(id: number): number;
  lastKey(id: number): number;
}

/** a key at most this large is its address exactly: equal keys are equal addresses */
const EXACT = Number.MAX_SAFE_INTEGER;
const exact = (k: number): boolean => k <= EXACT && k >= -EXACT;

export class LiveSet {
  private chunks: MapRecord[][] = [];
  private count = 0;

  constructor(private readonly keys: AddressKeys) {}

  /** r.start < q (qk: q's key) */
  private startBelow(r: MapRecord, q: bigint, qk: number): boolean {
    const k = this.keys.startKey(r.id);
    return k !== qk ? k < qk : !exact(k) && r.start < q;
  }

  /** r.start > q */
  private startAbove(r: MapRecord, q: bigint, qk: number): boolean {
    const k = this.keys.startKey(r.id);
    return k !== qk ? k > qk : !exact(k) && r.start > q;
  }

  /** r.last < q */
  private lastBelow(r: MapRecord, q: bigint, qk: number): boolean {
    const k = this.keys.lastKey(r.id);
    return k !== qk ? k < qk : !exact(k) && r.last < q;
  }

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
    const rk = this.keys.startKey(r.id);
    const rs = exact(rk) ? 0n : r.start;
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (!this.startAbove(this.chunks[mid][0], rs, rk)) lo = mid;
      else hi = mid - 1;
    }
    const c = this.chunks[lo];
    c.splice(this.lowerBound(c, rs, rk), 0, r);
    if (c.length > MAX_CHUNK) this.chunks.splice(lo + 1, 0, c.splice(MAX_CHUNK >> 1));
  }

  remove(r: MapRecord): void {
    const rk = this.keys.startKey(r.id);
    const rs = exact(rk) ? 0n : r.start;
    const ci = this.chunkFor(rs, rk);
    if (ci < 0) return;
    const c = this.chunks[ci];
    let i = this.lowerBound(c, rs, rk);
    while (i < c.length && c[i] !== r && !this.startAbove(c[i], rs, rk)) i++;
    if (c[i] !== r) return;
    c.splice(i, 1);
    this.count--;
    if (c.length === 0) this.chunks.splice(ci, 1);
  }

  /** Mappings overlapping [start, last], in key order. */
  overlapping(start: bigint, last: bigint): MapRecord[] {
    const out: MapRecord[] = [];
    const sk = Number(start);
    const lk = Number(last);
    // first chunk whose last item ends at or after start
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid];
      if (this.lastBelow(c[c.length - 1], start, sk)) lo = mid + 1;
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
          if (this.lastBelow(c[m], start, sk)) a = m + 1;
          else b = m;
        }
        i = a;
      }
      for (; i < c.length; i++) {
        if (this.startAbove(c[i], last, lk)) return out;
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
  private chunkFor(start: bigint, sk: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (!this.startAbove(this.chunks[mid][0], start, sk)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** first index of c whose start is not below `start` */
  private lowerBound(c: MapRecord[], start: bigint, sk: number): number {
    let lo = 0;
    let hi = c.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.startBelow(c[mid], start, sk)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
