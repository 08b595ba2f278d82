// The guest's VT-d invalidations in trace order, in typed columns: a long trace has one per DMA
// buffer the guest unmaps (hundreds of thousands), and all the replay needs of one afterwards is
// the text naming it as the removal reason of the translations it ended.
import { hex, U64_MAX } from '../../model/u64.js';
import type { ReasonSource } from './mapRecord.js';

export interface Invalidation {
  line: number;
  kind: 'psi' | 'dsi' | 'global' | 'as-switch';
  domain?: number;
  start?: bigint;
  last?: bigint;
}

const KINDS: Invalidation['kind'][] = ['psi', 'dsi', 'global', 'as-switch'];
/** flag bits above the kind index */
const HAS_DOMAIN = 4;
const HAS_START = 8;
const HAS_LAST = 16;

export class InvalidationLog implements ReasonSource {
  private n = 0;
  private lines = new Float64Array(64);
  private domains = new Float64Array(64);
  private starts = new BigUint64Array(64);
  private lasts = new BigUint64Array(64);
  private flags = new Uint8Array(64);

  get length(): number {
    return this.n;
  }

  /** Append one; returns its index. */
  push(inv: Invalidation): number {
    // check before writing: a refused entry must leave the log as it was
    if (inv.start !== undefined) u64(inv.start, inv.line);
    if (inv.last !== undefined) u64(inv.last, inv.line);
    if (this.n === this.flags.length) this.grow();
    const i = this.n++;
    let f = KINDS.indexOf(inv.kind);
    this.lines[i] = inv.line;
    if (inv.domain !== undefined) {
      f |= HAS_DOMAIN;
      this.domains[i] = inv.domain;
    }
    if (inv.start !== undefined) {
      f |= HAS_START;
      this.starts[i] = inv.start;
    }
    if (inv.last !== undefined) {
      f |= HAS_LAST;
      this.lasts[i] = inv.last;
    }
    this.flags[i] = f;
    return i;
  }

  at(i: number): Invalidation {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new RangeError(`no invalidation ${i} (the log holds ${this.n})`);
    const f = this.flags[i];
    const inv: Invalidation = { line: this.lines[i], kind: KINDS[f & 3] };
    if (f & HAS_DOMAIN) inv.domain = this.domains[i];
    if (f & HAS_START) inv.start = this.starts[i];
    if (f & HAS_LAST) inv.last = this.lasts[i];
    return inv;
  }

  reason(i: number): string {
    return describe(this.at(i));
  }

  *[Symbol.iterator](): IterableIterator<Invalidation> {
    for (let i = 0; i < this.n; i++) yield this.at(i);
  }

  private grow(): void {
    const cap = Math.ceil(this.flags.length * 1.5);
    const more = <T extends Float64Array | BigUint64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a as never);
      return b;
    };
    this.lines = more(this.lines, (c) => new Float64Array(c));
    this.domains = more(this.domains, (c) => new Float64Array(c));
    this.starts = more(this.starts, (c) => new BigUint64Array(c));
    this.lasts = more(this.lasts, (c) => new BigUint64Array(c));
    this.flags = more(this.flags, (c) => new Uint8Array(c));
  }
}

/** BigUint64Array stores mod 2^64: an address outside u64 would come back as another one. */
function u64(a: bigint, line: number): bigint {
  if (a < 0n || a > U64_MAX) throw new RangeError(`invalidation at line ${line}: address ${a} is not within 64 bits`);
  return a;
}

export function describe(inv: Invalidation): string {
  switch (inv.kind) {
    case 'psi':
      return `page-selective invalidation of domain 0x${inv.domain?.toString(16)} [${hex(inv.start ?? 0n)}, ${hex(inv.last ?? 0n)}]`;
    case 'dsi':
      return `domain-selective invalidation of domain 0x${inv.domain?.toString(16)}`;
    case 'global':
      return 'global IOTLB invalidation';
    case 'as-switch':
      return 'address space switch';
  }
}
