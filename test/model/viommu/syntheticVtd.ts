// Builds VT-d root/context/page tables in a fake guest memory, by the VT-d spec bit layout
// (written out here independently of src/model/viommu/vtdFormat.ts), for walker tests.
import { GuestPageMap } from '../../../src/model/viommu/guestPages.js';

export interface ContextSpec {
  bus: number;
  devfn: number;
  /** AW field: 1 = 3-level, 2 = 4-level */
  aw: number;
  /** translation type: 0 multi-level, 1 device-IOTLB, 2 pass-through, 3 reserved */
  tt?: number;
  did: number;
  /** extra bits ORed into the context entry (to test reserved bits) */
  loExtra?: bigint;
  hiExtra?: bigint;
}

export class SyntheticGuest {
  readonly memory = new GuestPageMap();
  private readonly bytes = new Map<bigint, Uint8Array>();
  private nextPage = 0x100000n;
  readonly rootTable: bigint;

  constructor() {
    this.rootTable = this.alloc();
  }

  /** A fresh zeroed 4 KiB page (a new table). */
  alloc(): bigint {
    const gpa = this.nextPage;
    this.nextPage += 0x1000n;
    const page = new Uint8Array(4096);
    this.bytes.set(gpa, page);
    this.memory.setPage(gpa, page);
    return gpa;
  }

  write64(gpa: bigint, v: bigint): void {
    const page = this.bytes.get(gpa & ~0xfffn);
    if (!page) throw new Error(`synthetic guest: no page at ${gpa.toString(16)}`);
    const off = Number(gpa & 0xfffn);
    for (let i = 0; i < 8; i++) page[off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  }

  read64(gpa: bigint): bigint {
    const page = this.bytes.get(gpa & ~0xfffn)!;
    const off = Number(gpa & 0xfffn);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(page[off + i]!);
    return v;
  }

  /** Context entry for bus/devfn with a fresh second-level root table; returns that table. */
  setContext(c: ContextSpec): bigint {
    const reAddr = this.rootTable + BigInt(c.bus) * 16n;
    let ctxTable = this.read64(reAddr) & ~0xfffn;
    if (ctxTable === 0n) {
      ctxTable = this.alloc();
      this.write64(reAddr, ctxTable | 1n);
    }
    const slptptr = this.alloc();
    const lo = slptptr | (BigInt(c.tt ?? 0) << 2n) | 1n | (c.loExtra ?? 0n);
    const hi = BigInt(c.aw) | (BigInt(c.did) << 8n) | (c.hiExtra ?? 0n);
    this.write64(ctxTable + BigInt(c.devfn) * 16n, lo);
    this.write64(ctxTable + BigInt(c.devfn) * 16n + 8n, hi);
    return slptptr;
  }

  /** Address of the PTE for `iova` at `level` in a table. */
  static pteAddr(table: bigint, iova: bigint, level: number): bigint {
    return table + ((iova >> BigInt(12 + 9 * (level - 1))) & 0x1ffn) * 8n;
  }

  /**
   * Map `iova` → `gpa` with a leaf at `leafLevel` (1 = 4 KiB, 2 = 2 MiB PS, 3 = 1 GiB PS).
   * Intermediate entries get `tablePerm` (R=1, W=2), the leaf `perm`; missing tables are
   * allocated. Returns the leaf PTE address.
   */
  map(slptptr: bigint, levels: number, iova: bigint, gpa: bigint, opts: { leafLevel?: number; perm?: number; tablePerm?: number; leafExtra?: bigint } = {}): bigint {
    const leafLevel = opts.leafLevel ?? 1;
    let table = slptptr;
    for (let level = levels; level > leafLevel; level--) {
      const at = SyntheticGuest.pteAddr(table, iova, level);
      let next = this.read64(at) & 0x000f_ffff_ffff_f000n;
      if (next === 0n) next = this.alloc();
      this.write64(at, next | BigInt(opts.tablePerm ?? 3));
      table = next;
    }
    const at = SyntheticGuest.pteAddr(table, iova, leafLevel);
    const ps = leafLevel > 1 ? 0x80n : 0n;
    this.write64(at, gpa | ps | BigInt(opts.perm ?? 3) | (opts.leafExtra ?? 0n));
    return at;
  }
}
