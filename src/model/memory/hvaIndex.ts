// Stabbing queries "which intervals contain x" over a static set of inclusive intervals.
// Several flat ranges can show the same host bytes (aliases), so HVA intervals overlap and a
// plain sorted search is not enough. Sorted starts + running maximum of the ends answer a query
// in O(log n + k) for the usual case of few nested intervals; rebuilt whenever the map changes.

export interface Interval<T> {
  first: bigint;
  /** inclusive */
  last: bigint;
  value: T;
}

export class IntervalIndex<T> {
  private readonly items: Interval<T>[];
  /** maxLast[i] = max(items[0..i].last): lets the backward scan stop early */
  private readonly maxLast: bigint[];

  constructor(items: Iterable<Interval<T>>) {
    this.items = [...items].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    this.maxLast = [];
    let m = -1n;
    for (const it of this.items) {
      if (it.last > m) m = it.last;
      this.maxLast.push(m);
    }
  }

  get size(): number {
    return this.items.length;
  }

  /** Every interval containing x, in ascending order of `first`. */
  stab(x: bigint): Interval<T>[] {
    return this.overlapping(x, x);
  }

  /** Every interval overlapping [first, last], in ascending order of `first`. */
  overlapping(first: bigint, last: bigint): Interval<T>[] {
    // last index whose start <= last
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.items[mid]!.first <= last) lo = mid + 1;
      else hi = mid;
    }
    const out: Interval<T>[] = [];
    for (let i = lo - 1; i >= 0 && this.maxLast[i]! >= first; i--) {
      if (this.items[i]!.last >= first) out.push(this.items[i]!);
    }
    return out.reverse();
  }
}
