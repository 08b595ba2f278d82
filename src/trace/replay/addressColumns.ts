// The three addresses of every timeline record (start, last, target) in typed columns, indexed
// by record id: 24 bytes a record instead of three heap BigInts and three object fields.
// Each column holds the address as a double: exact up to 2^53, which is every address a real
// trace carries below the top of the u64 space. A record with any address past 2^53 (or, from the
// trace arithmetic, past 64 bits or below 0) keeps its exact three on the side; its columns then
// hold the nearest doubles. So a column value is also a key that orders like the address
// (rounding is monotone) and equals it up to 2^53: ordered searches compare numbers and read the
// exact BigInt only to break a tie above 2^53 (see liveSet.ts).
const EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const exact = (a: bigint): boolean => a >= 0n && a <= EXACT;

export class AddressColumns {
  private n = 0;
  private starts = new Float64Array(1024);
  private lasts = new Float64Array(1024);
  private targets = new Float64Array(1024);
  /** records with an address a double does not hold exactly: [start, last, target] */
  private readonly wide = new Map<number, [bigint, bigint, bigint]>();

  get length(): number {
    return this.n;
  }

  /** Append the addresses of record `id` (ids come in order 0, 1, 2 …). */
  push(id: number, start: bigint, last: bigint, target: bigint): void {
    if (id !== this.n) throw new Error(`address columns: record ${id} pushed after ${this.n - 1}`);
    if (this.n === this.starts.length) this.grow();
    this.n++;
    this.starts[id] = Number(start);
    this.lasts[id] = Number(last);
    this.targets[id] = Number(target);
    if (!(exact(start) && exact(last) && exact(target))) this.wide.set(id, [start, last, target]);
  }

  start(id: number): bigint {
    return (this.wide.size === 0 ? undefined : this.wide.get(id)?.[0]) ?? BigInt(this.starts[id]);
  }

  last(id: number): bigint {
    return (this.wide.size === 0 ? undefined : this.wide.get(id)?.[1]) ?? BigInt(this.lasts[id]);
  }

  target(id: number): bigint {
    return (this.wide.size === 0 ? undefined : this.wide.get(id)?.[2]) ?? BigInt(this.targets[id]);
  }

  /** start as a double: ordered like start, equal to it up to 2^53 */
  startKey(id: number): number {
    return this.starts[id];
  }

  /** last as a double: ordered like last, equal to it up to 2^53 */
  lastKey(id: number): number {
    return this.lasts[id];
  }

  private grow(): void {
    // ×1.5: the unused tail stays under a third of what is held
    const cap = Math.ceil(this.starts.length * 1.5);
    const more = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.starts = more(this.starts);
    this.lasts = more(this.lasts);
    this.targets = more(this.targets);
  }
}
