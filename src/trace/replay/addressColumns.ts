// The three addresses of every timeline record (start, last, target) in typed columns, indexed
// by record id: 24 bytes a record instead of three heap BigInts and three object fields.
// Addresses are u64 in QEMU; a value the trace arithmetic pushed past 64 bits (or below 0) is
// kept exactly on the side, so the columns never wrap it silently.
// Beside them, each start and last as a double (its nearest): a key that orders like the address
// (rounding is monotone) and is the address itself up to 2^53, so ordered searches compare
// numbers and read the exact BigInt only to break a tie above 2^53 (see liveSet.ts).
import { U64_MAX } from '../../model/u64.js';

const fits = (a: bigint): boolean => a >= 0n && a <= U64_MAX;

export class AddressColumns {
  private n = 0;
  private starts = new BigUint64Array(1024);
  private lasts = new BigUint64Array(1024);
  private targets = new BigUint64Array(1024);
  private startKeys = new Float64Array(1024);
  private lastKeys = new Float64Array(1024);
  /** records with an address outside u64: [start, last, target] */
  private readonly wide = new Map<number, [bigint, bigint, bigint]>();

  get length(): number {
    return this.n;
  }

  /** Append the addresses of record `id` (ids come in order 0, 1, 2 …). */
  push(id: number, start: bigint, last: bigint, target: bigint): void {
    if (id !== this.n) throw new Error(`address columns: record ${id} pushed after ${this.n - 1}`);
    if (this.n === this.starts.length) this.grow();
    this.n++;
    this.startKeys[id] = Number(start);
    this.lastKeys[id] = Number(last);
    if (fits(start) && fits(last) && fits(target)) {
      this.starts[id] = start;
      this.lasts[id] = last;
      this.targets[id] = target;
    } else this.wide.set(id, [start, last, target]);
  }

  start(id: number): bigint {
    return this.wide.size === 0 ? this.starts[id] : (this.wide.get(id)?.[0] ?? this.starts[id]);
  }

  last(id: number): bigint {
    return this.wide.size === 0 ? this.lasts[id] : (this.wide.get(id)?.[1] ?? this.lasts[id]);
  }

  /** start as a double: ordered like start, equal to it up to 2^53 */
  startKey(id: number): number {
    return this.startKeys[id];
  }

  /** last as a double: ordered like last, equal to it up to 2^53 */
  lastKey(id: number): number {
    return this.lastKeys[id];
  }

  target(id: number): bigint {
    return this.wide.size === 0 ? this.targets[id] : (this.wide.get(id)?.[2] ?? this.targets[id]);
  }

  private grow(): void {
    // ×1.5: the unused tail stays under a third of what is held
    const cap = Math.ceil(this.starts.length * 1.5);
    const more = (a: BigUint64Array) => {
      const b = new BigUint64Array(cap);
      b.set(a);
      return b;
    };
    const moreKeys = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.starts = more(this.starts);
    this.lasts = more(this.lasts);
    this.targets = more(this.targets);
    this.startKeys = moreKeys(this.startKeys);
    this.lastKeys = moreKeys(this.lastKeys);
  }
}
