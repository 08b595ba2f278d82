// GLib's GHashTable, read from QEMU's memory with GLib's private layout (2.74 = 2.84), checked:
//   { gsize size@0, gint mod@8, guint mask@12, guint nnodes@16, guint noccupied@20,
//     guint have_big_keys:1, have_big_values:1 @24, keys@32, guint *hashes@40, values@48 }
// Slot i is in use when hashes[i] >= 2 (0 = empty, 1 = tombstone); keys/values are 8 bytes when
// the "big" bit is set, else 4 (GLib stores small integers compactly); a set has values == keys.
// The table is refused unless size is a power of two with mask = size - 1, and exactly nnodes
// slots are in use.
import { LayoutCheckError } from '../errors.js';
import { Bytes, type QemuMemory } from '../qemuMemory.js';

const HEADER_SIZE = 56;
export const MAX_GHASH_SIZE = 1 << 22;

export interface GHashEntry {
  key: bigint;
  value: bigint;
}

export async function readGHashTable(mem: QemuMemory, table: bigint, what: string): Promise<GHashEntry[]> {
  if (table === 0n) throw new LayoutCheckError(what, 'the GHashTable pointer is NULL');
  const h = new Bytes(await mem.read(table, HEADER_SIZE), what);
  const size = h.u64(0n);
  const mask = h.u32(12n);
  const nnodes = h.u32(16n);
  const noccupied = h.u32(20n);
  const bits = h.u32(24n);
  const keys = h.u64(32n);
  const hashes = h.u64(40n);
  const values = h.u64(48n);
  if (size < 8n || size > BigInt(MAX_GHASH_SIZE) || (size & (size - 1n)) !== 0n) throw new LayoutCheckError(what, `size ${size} is not a power of two from 8 to ${MAX_GHASH_SIZE}`);
  if (BigInt(mask) !== size - 1n) throw new LayoutCheckError(what, `mask 0x${mask.toString(16)} is not size - 1 (size ${size})`);
  if (nnodes > noccupied || BigInt(noccupied) > size) throw new LayoutCheckError(what, `nnodes ${nnodes}, noccupied ${noccupied}, size ${size} do not fit together`);
  if (hashes === 0n || keys === 0n || values === 0n) throw new LayoutCheckError(what, 'a NULL keys/hashes/values array');
  const n = Number(size);
  const keyWidth = bits & 1 ? 8 : 4;
  const valueWidth = bits & 2 ? 8 : 4;
  const isSet = values === keys;
  const [hb, kb, vb] = await Promise.all([mem.read(hashes, n * 4), mem.read(keys, n * keyWidth), isSet ? Promise.resolve(undefined) : mem.read(values, n * valueWidth)]);
  const hv = new Bytes(hb, what);
  const kv = new Bytes(kb, what);
  const vv = vb ? new Bytes(vb, what) : kv;
  const vw = vb ? valueWidth : keyWidth;
  const out: GHashEntry[] = [];
  for (let i = 0; i < n; i++) {
    const hash = hv.u32(BigInt(i * 4));
    if (hash < 2) continue;
    const key = keyWidth === 8 ? kv.u64(BigInt(i * 8)) : BigInt(kv.u32(BigInt(i * 4)));
    const value = vw === 8 ? vv.u64(BigInt(i * 8)) : BigInt(vv.u32(BigInt(i * 4)));
    out.push({ key, value });
  }
  if (out.length !== nnodes) throw new LayoutCheckError(what, `${out.length} slots are in use, the table says nnodes = ${nnodes}`);
  return out;
}
