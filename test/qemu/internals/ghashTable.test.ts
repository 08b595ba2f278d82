// GHashTable slots are read with GLib's private layout; a table whose used slots do not equal
// nnodes (or whose size/mask do not fit) is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readGHashTable } from '../../../src/qemu/internals/glib/ghashTable.js';
import { ImageMemory } from './imageMemory.js';

function table(mem: ImageMemory, size: number, slots: Map<number, [bigint, bigint]>, opts: { nnodes?: number; tombstones?: number[]; big?: boolean } = {}): bigint {
  const big = opts.big ?? true;
  const h = mem.alloc(56);
  const hashes = mem.alloc(size * 4);
  const keys = mem.alloc(size * (big ? 8 : 4));
  const values = mem.alloc(size * (big ? 8 : 4));
  for (const [i, [k, v]] of slots) {
    hashes.view.setUint32(i * 4, 0x1234 + i, true);
    if (big) {
      keys.view.setBigUint64(i * 8, k, true);
      values.view.setBigUint64(i * 8, v, true);
    } else {
      keys.view.setUint32(i * 4, Number(k), true);
      values.view.setUint32(i * 4, Number(v), true);
    }
  }
  for (const i of opts.tombstones ?? []) hashes.view.setUint32(i * 4, 1, true);
  h.view.setBigUint64(0, BigInt(size), true);
  h.view.setUint32(12, size - 1, true);
  h.view.setUint32(16, opts.nnodes ?? slots.size, true);
  h.view.setUint32(20, slots.size + (opts.tombstones?.length ?? 0), true);
  h.view.setUint32(24, big ? 3 : 0, true);
  h.view.setBigUint64(32, keys.addr, true);
  h.view.setBigUint64(40, hashes.addr, true);
  h.view.setBigUint64(48, values.addr, true);
  return h.addr;
}

test('used slots (hash >= 2) are the entries; empty and tombstone slots are skipped', async () => {
  const mem = new ImageMemory();
  const t = table(mem, 8, new Map([[1, [0x55aa00001000n, 0x55aa00002000n]], [6, [0x55aa00003000n, 0x55aa00004000n]]]), { tombstones: [3] });
  assert.deepEqual(await readGHashTable(mem, t, 'IOTLB'), [
    { key: 0x55aa00001000n, value: 0x55aa00002000n },
    { key: 0x55aa00003000n, value: 0x55aa00004000n },
  ]);
});

test('4-byte keys and values (GLib\'s compact storage) are read as such', async () => {
  const mem = new ImageMemory();
  const t = table(mem, 8, new Map([[2, [7n, 9n]]]), { big: false });
  assert.deepEqual(await readGHashTable(mem, t, 'IOTLB'), [{ key: 7n, value: 9n }]);
});

test('nnodes that does not match the used slots is refused', async () => {
  const mem = new ImageMemory();
  const t = table(mem, 8, new Map([[1, [1n, 2n]]]), { nnodes: 2 });
  await assert.rejects(readGHashTable(mem, t, 'intel-iommu IOTLB'), /intel-iommu IOTLB: refused, the layout does not check out: .*nnodes 2, noccupied 1|1 slots are in use, the table says nnodes = 2/);
});

test('a size that is not a power of two, or a mask that is not size - 1, is refused before the arrays are read', async () => {
  const mem = new ImageMemory();
  const t = table(mem, 8, new Map());
  const hv = new DataView(mem.images.get(t)!.buffer);
  hv.setBigUint64(0, 12n, true);
  await assert.rejects(readGHashTable(mem, t, 'T'), /size 12 is not a power of two/);
  hv.setBigUint64(0, 8n, true);
  hv.setUint32(12, 15, true);
  await assert.rejects(readGHashTable(mem, t, 'T'), /mask 0xf is not size - 1/);
});
