// The next available descriptor chain of a virtqueue, decoded from ring bytes (virtio 1.x,
// little-endian; qemu-interfaces §6). Split rings follow `next` from the avail ring's entry at
// last_avail_idx; packed rings take the contiguous run starting at last_avail_idx. An indirect
// head is replaced by its table, as QEMU's x-query-virtio-queue-element shows it. Chains are
// bounded by the table size and loops are reported, because the guest can write anything there.
import { le64 } from '../../model/viommu/guestPages.js';
import { hex } from '../../model/u64.js';

export const DESC_F_NEXT = 1;
export const DESC_F_WRITE = 2;
export const DESC_F_INDIRECT = 4;
const PACKED_F_AVAIL = 1 << 7;
const PACKED_F_USED = 1 << 15;
export const DESC_SIZE = 16;

export interface RawDesc {
  index: number;
  addr: bigint;
  len: number;
  flags: number;
  /** `next` for split rings, buffer `id` for packed ones. */
  next: number;
  indirect: boolean;
}

export interface ChainResult {
  descs: RawDesc[];
  /** Set when the chain stopped for a reason other than its last NEXT-less entry. */
  problem?: string;
}

/** Reads an indirect table: (device address, byte length) → bytes. */
export type IndirectReader = (addr: bigint, len: number) => Promise<Uint8Array>;

const u16 = (b: Uint8Array, off: number): number => b[off]! | (b[off + 1]! << 8);
const u32 = (b: Uint8Array, off: number): number => (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;

export const readU16 = u16;

export function decodeDesc(table: Uint8Array, index: number, indirect: boolean): RawDesc {
  const off = index * DESC_SIZE;
  return { index, addr: le64(table, off), len: u32(table, off + 8), flags: u16(table, off + 12), next: u16(table, off + 14), indirect };
}

/** Flag names as QEMU's QMP decoder spells them, lowest bit first. */
export function descFlagNames(flags: number, packed: boolean): string[] {
  const out: string[] = [];
  if (flags & DESC_F_NEXT) out.push('next');
  if (flags & DESC_F_WRITE) out.push('write');
  if (flags & DESC_F_INDIRECT) out.push('indirect');
  if (packed && flags & PACKED_F_AVAIL) out.push('avail');
  if (packed && flags & PACKED_F_USED) out.push('used');
  return out;
}

async function indirectTable(head: RawDesc, read: IndirectReader): Promise<{ table?: Uint8Array; count: number; problem?: string }> {
  const count = Math.floor(head.len / DESC_SIZE);
  if (head.len % DESC_SIZE !== 0 || count === 0) return { count: 0, problem: `indirect descriptor ${head.index} has length ${head.len}, not a non-zero multiple of 16` };
  try {
    return { table: await read(head.addr, count * DESC_SIZE), count };
  } catch (e) {
    return { count: 0, problem: `indirect table at ${hex(head.addr)} (descriptor ${head.index}): ${(e as Error).message}` };
  }
}

/** Follow `next` links in `table` (count entries) from `start`, at most `count` hops. */
function followSplit(table: Uint8Array, count: number, start: number, indirect: boolean, out: RawDesc[]): string | undefined {
  const seen = new Set<number>();
  let i = start;
  for (;;) {
    if (i >= count) return `descriptor index ${i} is outside the ${indirect ? 'indirect table' : 'ring'} (${count} entries)`;
    if (seen.has(i)) return `descriptor loop: ${i} is reached twice`;
    if (seen.size >= count) return `chain longer than the ${count} descriptors of the table`;
    seen.add(i);
    const d = decodeDesc(table, i, indirect);
    out.push(d);
    if (!(d.flags & DESC_F_NEXT)) return undefined;
    i = d.next;
  }
}

/** The split-ring chain whose head is `head`, expanding an indirect head. */
export async function splitChain(descTable: Uint8Array, num: number, head: number, readIndirect: IndirectReader): Promise<ChainResult> {
  if (head >= num) return { descs: [], problem: `avail ring names head ${head}, outside the ring of ${num} descriptors` };
  const first = decodeDesc(descTable, head, false);
  if (first.flags & DESC_F_INDIRECT) {
    const t = await indirectTable(first, readIndirect);
    if (!t.table) return { descs: [first], problem: t.problem! };
    const descs: RawDesc[] = [];
    const problem = followSplit(t.table, t.count, 0, true, descs);
    return problem ? { descs, problem } : { descs };
  }
  const descs: RawDesc[] = [];
  const problem = followSplit(descTable, num, head, false, descs);
  return problem ? { descs, problem } : { descs };
}

/**
 * The packed-ring chain starting at ring slot `start`: consecutive slots (wrapping) while NEXT
 * is set. An indirect entry's table holds consecutive descriptors without links.
 */
export async function packedChain(ring: Uint8Array, num: number, start: number, readIndirect: IndirectReader): Promise<ChainResult & { available: boolean }> {
  if (start >= num) return { descs: [], available: false, problem: `last-avail-idx ${start} is outside the ring of ${num} descriptors` };
  const firstFlags = u16(ring, start * DESC_SIZE + 12);
  const available = ((firstFlags & PACKED_F_AVAIL) !== 0) !== ((firstFlags & PACKED_F_USED) !== 0);
  const descs: RawDesc[] = [];
  for (let n = 0, i = start; ; n++, i = (i + 1) % num) {
    if (n >= num) return { descs, available, problem: `chain longer than the ${num} descriptors of the ring` };
    const d = decodeDesc(ring, i, false);
    if (d.flags & DESC_F_INDIRECT) {
      const t = await indirectTable(d, readIndirect);
      if (!t.table) return { descs: [...descs, d], available, problem: t.problem! };
      for (let k = 0; k < t.count; k++) descs.push(decodeDesc(t.table, k, true));
      return { descs, available };
    }
    descs.push(d);
    if (!(d.flags & DESC_F_NEXT)) return { descs, available };
  }
}
