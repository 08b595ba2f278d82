// Interval index over the TRANSLATED ranges of an IOVA-keyed tree, for iova_tree_find_iova.
// QEMU walks every node in IOVA order and stops at the first whose translated range overlaps
// the needle; we answer the same question ("lowest IOVA among overlapping nodes") without the
// walk: nodes ordered by translated start, each subtree knowing its largest translated end and
// its smallest IOVA, so whole subtrees that cannot overlap or cannot beat the best are skipped.
// Every bigint beside its nearest double (…N): rounding is monotone, so unequal doubles order
// their bigints and the bigints are compared only on a tie (equal, or close above 2^53). An
// insert then walks the treap without a BigInt comparison per level.
import { AugmentedTreap, PriorityStream, type TreapLinks } from './augmentedTreap.js';
import type { DMAMap } from './dmaMap.js';
import { add64 } from './u64.js';

interface TaddrNode extends TreapLinks<TaddrNode> {
  map: DMAMap;
  /** translated start */
  a: bigint;
  /**
   * translated last, computed as QEMU's comparator does (u64 add). iova_tree_insert only
   * refuses wrapping IOVA ranges, so a node's translated range may wrap; the overlap test below
   * is written on (a, b) exactly as the comparator is, so the index stays exact even then.
   */
  b: bigint;
  key: bigint;
  maxB: bigint;
  minKey: bigint;
  aN: number;
  bN: number;
  keyN: number;
  maxBN: number;
  minKeyN: number;
}

/** x < y for bigints given with their nearest doubles */
const below = (xN: number, x: bigint, yN: number, y: bigint): boolean => (xN !== yN ? xN < yN : x < y);

const order = (x: TaddrNode, y: TaddrNode): number =>
  below(x.aN, x.a, y.aN, y.a) ? -1 : below(y.aN, y.a, x.aN, x.a) ? 1 : below(x.keyN, x.key, y.keyN, y.key) ? -1 : below(y.keyN, y.key, x.keyN, x.key) ? 1 : 0;

function pull(n: TaddrNode): void {
  let maxB = n.b;
  let maxBN = n.bN;
  let minKey = n.key;
  let minKeyN = n.keyN;
  const l = n.left;
  const r = n.right;
  if (l !== null) {
    if (below(maxBN, maxB, l.maxBN, l.maxB)) {
      maxB = l.maxB;
      maxBN = l.maxBN;
    }
    if (below(l.minKeyN, l.minKey, minKeyN, minKey)) {
      minKey = l.minKey;
      minKeyN = l.minKeyN;
    }
  }
  if (r !== null) {
    if (below(maxBN, maxB, r.maxBN, r.maxB)) {
      maxB = r.maxB;
      maxBN = r.maxBN;
    }
    if (below(r.minKeyN, r.minKey, minKeyN, minKey)) {
      minKey = r.minKey;
      minKeyN = r.minKeyN;
    }
  }
  n.maxB = maxB;
  n.maxBN = maxBN;
  n.minKey = minKey;
  n.minKeyN = minKeyN;
}

export class TranslatedIndex {
  private readonly treap = new AugmentedTreap<TaddrNode>(order, pull);
  private readonly priorities = new PriorityStream(0x2545f491);

  /** `key` is the node's IOVA (unique in the owning tree). */
  add(map: DMAMap, key: bigint): void {
    const a = map.translatedAddr;
    const b = add64(a, map.size);
    const n: TaddrNode = {
      map,
      a,
      b,
      key,
      maxB: 0n,
      minKey: 0n,
      aN: Number(a),
      bN: Number(b),
      keyN: Number(key),
      maxBN: 0,
      minKeyN: 0,
      left: null,
      right: null,
      pri: this.priorities.next(),
    };
    this.treap.insert(n);
  }

  /**
   * Remove the node added as (map, key). Found by its place in the order (translated start, then
   * key), not through a map from keys: QEMU reuses the same IOVA for section after section, and
   * a JS Map that has the same key set and deleted over and over slows to a crawl.
   */
  delete(map: DMAMap, key: bigint): void {
    const a = map.translatedAddr;
    const probe: TaddrNode = { map, a, b: a, key, maxB: 0n, minKey: 0n, aN: Number(a), bN: 0, keyN: Number(key), maxBN: 0, minKeyN: 0, left: null, right: null, pri: 0 };
    this.treap.remove(probe);
  }

  /**
   * Lowest-key node with `qs <= b && qe >= a`: QEMU's overlap test on translated addresses with
   * needle start `qs` and needle last `qe = qs + size` (u64, may have wrapped).
   */
  lowestKeyOverlapping(qs: bigint, qe: bigint): DMAMap | undefined {
    let best: TaddrNode | null = null;
    const visit = (start: TaddrNode | null): void => {
      let n = start;
      while (n !== null) {
        if (n.maxB < qs) return;
        if (best !== null && n.minKey >= best.key) return;
        visit(n.left);
        // everything to the right starts later still: no overlap possible there either
        if (n.a > qe) return;
        if (n.b >= qs && (best === null || n.key < best.key)) best = n;
        n = n.right;
      }
    };
    visit(this.treap.root);
    return best === null ? undefined : (best as TaddrNode).map;
  }
}
