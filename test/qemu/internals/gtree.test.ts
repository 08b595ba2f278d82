// The GTree walk reads GLib's private layout and refuses any walk that does not add up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { walkGTree } from '../../../src/qemu/internals/glib/gtree.js';
import { LayoutCheckError } from '../../../src/qemu/internals/errors.js';
import { ImageMemory, gtreeImage } from './imageMemory.js';

const keys = (n: number): bigint[] => Array.from({ length: n }, (_, i) => BigInt(0x1000 * (i + 1)));

test('a threaded AVL tree walks in key order with exactly nnodes entries, one read per tree level', async () => {
  for (const n of [0, 1, 2, 3, 7, 100, 1000]) {
    const mem = new ImageMemory();
    const img = gtreeImage(mem, keys(n));
    const got = await walkGTree(mem, img.tree, 'test tree');
    assert.deepEqual(got.map((e) => e.key), keys(n), `n = ${n}`);
    assert.deepEqual(got.map((e) => e.value), keys(n).map((k) => k + 1n));
    assert.deepEqual(got.map((e) => e.node), img.nodes);
  }
});

test('nnodes one more than the nodes reachable is refused, naming both counts', async () => {
  const mem = new ImageMemory();
  const img = gtreeImage(mem, keys(10));
  mem.images.get(img.tree)![40] = 11;
  await assert.rejects(walkGTree(mem, img.tree, 'vhost-vdpa IOVA tree'), (e: Error) => e instanceof LayoutCheckError && /vhost-vdpa IOVA tree: refused.*found 10 nodes.*nnodes = 11/.test(e.message));
});

test('a thread that does not point at the in-order neighbour is refused (a wrong layout cannot pass)', async () => {
  const mem = new ImageMemory();
  const img = gtreeImage(mem, keys(7));
  // node 0 has no left child: its left thread must be NULL; point it at node 3 instead
  img.views[0]!.setBigUint64(16, img.nodes[3]!, true);
  await assert.rejects(walkGTree(mem, img.tree, 't'), /node 0 .* threads left to 0x[0-9a-f]+, not to its in-order predecessor 0x0/);
});

test('a child link that loops back is refused as a cycle, never walked forever', async () => {
  const mem = new ImageMemory();
  const img = gtreeImage(mem, keys(3));
  // make the root's left child point back to the root, and claim enough nodes to keep going
  const rootView = img.views[1]!;
  rootView.setBigUint64(16, img.nodes[1]!, true);
  mem.images.get(img.tree)![40] = 3;
  await assert.rejects(walkGTree(mem, img.tree, 't'), (e: Error) => e instanceof LayoutCheckError && /reached twice|more than nnodes/.test(e.message));
});

test('child flags other than 0/1 and balances outside -1..1 are refused (not a GTreeNode)', async () => {
  const mem = new ImageMemory();
  const img = gtreeImage(mem, keys(3));
  img.views[1]!.setUint8(33, 7);
  await assert.rejects(walkGTree(mem, img.tree, 't'), /child flags 7\/1, not 0 or 1/);
  const mem2 = new ImageMemory();
  const img2 = gtreeImage(mem2, keys(3));
  img2.views[1]!.setInt8(32, 3);
  await assert.rejects(walkGTree(mem2, img2.tree, 't'), /AVL balance 3/);
});

test('a root with nnodes 0, or nnodes beyond the bound, is refused before any node is read', async () => {
  const mem = new ImageMemory();
  const img = gtreeImage(mem, keys(2));
  new DataView(mem.images.get(img.tree)!.buffer).setUint32(40, 0, true);
  await assert.rejects(walkGTree(mem, img.tree, 't'), /root 0x[0-9a-f]+ with nnodes 0/);
  new DataView(mem.images.get(img.tree)!.buffer).setUint32(40, 0xffffffff, true);
  const before = mem.reads;
  await assert.rejects(walkGTree(mem, img.tree, 't'), /nnodes 4294967295 is more than/);
  assert.equal(mem.reads, before + 1, 'only the header was read');
});
