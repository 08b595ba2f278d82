// A QemuMemory over byte images placed at chosen addresses: for layouts a real QEMU cannot be
// made to produce (corrupt threads, wrong counts). Real QEMU is read in the integration suite.
import type { QemuMemory } from '../../../src/qemu/internals/qemuMemory.js';

export class ImageMemory implements QemuMemory {
  readonly pid = 4242;
  private next = 0x10000n;
  readonly images = new Map<bigint, Uint8Array>();
  reads = 0;

  alloc(size: number): { addr: bigint; view: DataView } {
    const addr = this.next;
    this.next += BigInt((size + 15) & ~15) + 16n;
    const buf = new Uint8Array(size);
    this.images.set(addr, buf);
    return { addr, view: new DataView(buf.buffer) };
  }
  sizeOf(): Promise<bigint> {
    return Promise.reject(new Error('no debug info in an image'));
  }
  offsetOf(): Promise<bigint> {
    return Promise.reject(new Error('no debug info in an image'));
  }
  addressOf(): Promise<bigint> {
    return Promise.reject(new Error('no symbols in an image'));
  }
  evaluate(): Promise<bigint> {
    return Promise.reject(new Error('no symbols in an image'));
  }
  async read(addr: bigint, len: number): Promise<Uint8Array> {
    this.reads++;
    for (const [base, buf] of this.images) {
      if (addr >= base && addr + BigInt(len) <= base + BigInt(buf.length)) return buf.slice(Number(addr - base), Number(addr - base) + len);
    }
    throw new Error(`unmapped read of ${len} bytes at 0x${addr.toString(16)}`);
  }
}

export interface TreeImage {
  tree: bigint;
  /** node addresses in key order */
  nodes: bigint[];
  /** the node buffers, to corrupt */
  views: DataView[];
}

/** A GLib-2.74-layout threaded AVL GTree holding `keys` (sorted), balanced like GLib builds it. */
export function gtreeImage(mem: ImageMemory, keys: bigint[]): TreeImage {
  const nodes = keys.map(() => mem.alloc(40));
  const height = (lo: number, hi: number): number => (lo > hi ? 0 : 1 + Math.max(height(lo, ((lo + hi) >> 1) - 1), height(((lo + hi) >> 1) + 1, hi)));
  const build = (lo: number, hi: number): number => {
    const mid = (lo + hi) >> 1;
    const v = nodes[mid]!.view;
    v.setBigUint64(0, keys[mid]!, true);
    v.setBigUint64(8, keys[mid]! + 1n, true);
    const left = lo <= mid - 1 ? build(lo, mid - 1) : -1;
    const right = mid + 1 <= hi ? build(mid + 1, hi) : -1;
    v.setBigUint64(16, left >= 0 ? nodes[left]!.addr : mid > 0 ? nodes[mid - 1]!.addr : 0n, true);
    v.setBigUint64(24, right >= 0 ? nodes[right]!.addr : mid + 1 < nodes.length ? nodes[mid + 1]!.addr : 0n, true);
    v.setInt8(32, height(mid + 1, hi) - height(lo, mid - 1));
    v.setUint8(33, left >= 0 ? 1 : 0);
    v.setUint8(34, right >= 0 ? 1 : 0);
    return mid;
  };
  const t = mem.alloc(48);
  const root = keys.length ? build(0, keys.length - 1) : -1;
  t.view.setBigUint64(0, root >= 0 ? nodes[root]!.addr : 0n, true);
  t.view.setUint32(40, keys.length, true);
  return { tree: t.addr, nodes: nodes.map((n) => n.addr), views: nodes.map((n) => n.view) };
}
