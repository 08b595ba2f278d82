// GLib's GTree, walked from QEMU's memory. GLib ships no debug information for its private
// structs, so the layout is GLib's own (identical in 2.74 and 2.84) and is CHECKED while walking:
//   GTree     { root@0, key_compare@8, key_destroy@16, value_destroy@24, key_compare_data@32, nnodes@40 }
//   GTreeNode { key@0, value@8, left@16, right@24, gint8 balance@32, guint8 left_child@33, guint8 right_child@34 }
// A threaded AVL tree: when left_child/right_child is 0, left/right is a thread to the in-order
// predecessor/successor (NULL at the ends). The walk reads one tree level at a time (reads
// pipelined), rebuilds the in-order sequence from the child links, and refuses the result unless
// every thread points where the in-order sequence says, the flags are 0/1, balances are in
// -1..1, no node is seen twice, and the count is exactly nnodes.
import { LayoutCheckError } from '../errors.js';
import { Bytes, type QemuMemory } from '../qemuMemory.js';

const TREE_SIZE = 48;
const NODE_SIZE = 40;
/** a bound on what IOVA Lens will walk (a 102k-node tree is the largest measured) */
export const MAX_GTREE_NODES = 1 << 20;

export interface GTreeEntry {
  node: bigint;
  key: bigint;
  value: bigint;
}

interface Node {
  addr: bigint;
  key: bigint;
  value: bigint;
  left: bigint;
  right: bigint;
  leftChild: boolean;
  rightChild: boolean;
}

function decodeNode(addr: bigint, buf: Uint8Array, what: string): Node {
  const b = new Bytes(buf, what);
  const balance = b.i8(32n);
  const lc = b.u8(33n);
  const rc = b.u8(34n);
  const at = `node 0x${addr.toString(16)}`;
  if (lc > 1 || rc > 1) throw new LayoutCheckError(what, `${at} has child flags ${lc}/${rc}, not 0 or 1`);
  if (balance < -1 || balance > 1) throw new LayoutCheckError(what, `${at} has AVL balance ${balance}, not -1..1`);
  const n: Node = { addr, key: b.u64(0n), value: b.u64(8n), left: b.u64(16n), right: b.u64(24n), leftChild: lc === 1, rightChild: rc === 1 };
  if ((n.leftChild && n.left === 0n) || (n.rightChild && n.right === 0n)) throw new LayoutCheckError(what, `${at} flags a NULL child`);
  return n;
}

/**
 * Every (key, value) of the GTree at `tree`, in GLib's in-order (key) order.
 * `what` names the tree in errors ("vhost-vdpa IOVA tree of …").
 */
export async function walkGTree(mem: QemuMemory, tree: bigint, what: string): Promise<GTreeEntry[]> {
  if (tree === 0n) throw new LayoutCheckError(what, 'the GTree pointer is NULL');
  const header = new Bytes(await mem.read(tree, TREE_SIZE), what);
  const root = header.u64(0n);
  const nnodes = header.u32(40n);
  if (nnodes > MAX_GTREE_NODES) throw new LayoutCheckError(what, `nnodes ${nnodes} is more than the ${MAX_GTREE_NODES} IOVA Lens walks`);
  if ((root === 0n) !== (nnodes === 0)) throw new LayoutCheckError(what, `root 0x${root.toString(16)} with nnodes ${nnodes}`);
  if (root === 0n) return [];

  const nodes = new Map<bigint, Node>();
  let level = [root];
  while (level.length) {
    if (nodes.size + level.length > nnodes) throw new LayoutCheckError(what, `more than nnodes = ${nnodes} nodes reachable from the root`);
    const bufs = await Promise.all(level.map((a) => mem.read(a, NODE_SIZE)));
    const next: bigint[] = [];
    level.forEach((addr, i) => {
      if (nodes.has(addr)) throw new LayoutCheckError(what, `node 0x${addr.toString(16)} is reached twice (a cycle)`);
      const n = decodeNode(addr, bufs[i]!, what);
      nodes.set(addr, n);
      if (n.leftChild) next.push(n.left);
      if (n.rightChild) next.push(n.right);
    });
    level = next;
  }
  // In-order from the child links (iterative: a corrupt tree must not overflow the stack).
  const order: Node[] = [];
  const stack: Node[] = [];
  let cur: Node | undefined = nodes.get(root);
  while (cur || stack.length) {
    while (cur) {
      stack.push(cur);
      cur = cur.leftChild ? nodes.get(cur.left) : undefined;
    }
    const n = stack.pop()!;
    order.push(n);
    cur = n.rightChild ? nodes.get(n.right) : undefined;
  }
  if (order.length !== nnodes) throw new LayoutCheckError(what, `the walk found ${order.length} nodes, the tree says nnodes = ${nnodes}`);
  // Threads must point at the in-order neighbours: a wrong layout guess cannot pass this.
  order.forEach((n, i) => {
    const pred = i > 0 ? order[i - 1]!.addr : 0n;
    const succ = i + 1 < order.length ? order[i + 1]!.addr : 0n;
    if (!n.leftChild && n.left !== pred) throw new LayoutCheckError(what, `node ${i} (0x${n.addr.toString(16)}) threads left to 0x${n.left.toString(16)}, not to its in-order predecessor 0x${pred.toString(16)}`);
    if (!n.rightChild && n.right !== succ) throw new LayoutCheckError(what, `node ${i} (0x${n.addr.toString(16)}) threads right to 0x${n.right.toString(16)}, not to its in-order successor 0x${succ.toString(16)}`);
  });
  return order.map((n) => ({ node: n.addr, key: n.key, value: n.value }));
}
