// QEMU's IOVATree (util/iova-tree.c) with QEMU's answers, including its u64 quirks, but in
// O(log n) where QEMU walks every node (first-fit allocation, reverse lookup).
//
// Keyed by IOVA (iova_tree_new) or by translated address (gpa_tree_new, QEMU 10.0+): the key
// decides the order, what insert/find/remove compare, and the walk order of findIova.
//
// Which node `find` returns when several overlap: GLib's lookup returns whichever overlapping
// node its search path meets first, i.e. it depends on GLib's internal tree shape. QEMU only
// uses that answer as "is there an overlap" (insert) or in "remove until none" loops, so we
// return the overlapping node with the LOWEST key, a deterministic choice. For a needle whose
// last byte wraps past 2^64 the comparator is still monotone over the sorted nodes (+1 for
// nodes ending before the needle start, then 0, then -1), and at most one stored node can
// compare equal (it must contain both the wrapped end and the start), so the answer there is
// exactly QEMU's whatever the shape: that one node, or none.
import { AugmentedTreap, PriorityStream, type TreapLinks } from './augmentedTreap.js';
import { copyMap, IOVA_ERR_INVALID, IOVA_ERR_NOMEM, IOVA_ERR_OVERLAP, IOVA_OK, type DMAMap, type IovaRet } from './dmaMap.js';
import { TranslatedIndex } from './translatedIndex.js';
import { add64, hex, isU64, sub64, U64_MAX } from './u64.js';
import { IOMMU_NONE, isPerm } from './access.js';

/** 'iova': iova_tree_new (key = iova). 'gpa': gpa_tree_new (key = translated_addr). */
export type IovaTreeKeying = 'iova' | 'gpa';

/** A lookup argument; absent fields are 0 as in QEMU's zero-initialised needles. */
export interface DMANeedle {
  iova?: bigint;
  translatedAddr?: bigint;
  size: bigint;
}

export interface AllocResult {
  ret: IovaRet;
  /** the allocated IOVA, only when ret is IOVA_OK */
  iova?: bigint;
}

interface MapNode extends TreapLinks<MapNode> {
  map: DMAMap;
  /** first and last byte in key space */
  start: bigint;
  last: bigint;
  /** free bytes between the previous node's last byte and `start`; -1 for the first node */
  gap: bigint;
  maxGap: bigint;
}

const order = (x: MapNode, y: MapNode): number => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0);

function pull(n: MapNode): void {
  let g = n.gap;
  if (n.left !== null && n.left.maxGap > g) g = n.left.maxGap;
  if (n.right !== null && n.right.maxGap > g) g = n.right.maxGap;
  n.maxGap = g;
}

export class IovaTreeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IovaTreeInputError';
  }
}

function checkU64(what: string, v: bigint): void {
  if (typeof v !== 'bigint' || !isU64(v)) throw new IovaTreeInputError(`${what} is not a u64: ${String(v)}`);
}

export class IovaTree {
  private readonly treap = new AugmentedTreap<MapNode>(order, pull);
  private readonly priorities = new PriorityStream();
  /**
   * Reverse-lookup index, only for IOVA-keyed trees (a GPA tree's key IS the translated addr).
   * Built from the nodes on the first findIova and kept up to date from then on: a tree that is
   * never searched by translated address (SVQ host-only maps, map/unmap churn) never pays for it.
   */
  private translated: TranslatedIndex | null = null;

  constructor(readonly keying: IovaTreeKeying = 'iova') {}

  /** number of nodes */
  get size(): number {
    return this.treap.count;
  }

  /** iova_tree_insert / gpa_tree_insert. */
  insert(map: DMAMap): IovaRet {
    checkMap(map);
    const start = this.keyOf(map);
    const last = add64(start, map.size);
    if (last < start || map.perm === IOMMU_NONE) return IOVA_ERR_INVALID;
    if (this.firstOverlap(start, last) !== null) return IOVA_ERR_OVERLAP;
    const stored = copyMap(map);
    const prev = this.before(start);
    const node: MapNode = { map: stored, start, last, gap: prev === null ? -1n : start - prev.last - 1n, maxGap: 0n, left: null, right: null, pri: this.priorities.next() };
    this.treap.insert(node);
    const next = this.after(start);
    if (next !== null) this.setGap(next, next.start - last - 1n);
    this.translated?.add(stored, start);
    return IOVA_OK;
  }

  /** iova_tree_find: an overlapping node (the lowest-key one, see the file comment) or undefined. */
  find(needle: DMANeedle): DMAMap | undefined {
    const qs = this.needleKey(needle);
    checkU64('needle size', needle.size);
    const n = this.firstOverlap(qs, add64(qs, needle.size));
    return n === null ? undefined : copyMap(n.map);
  }

  /**
   * iova_tree_find_iova: the FIRST node in key order whose translated range overlaps
   * [translatedAddr, translatedAddr + size] (u64, as QEMU's comparator). Needle iova/perm ignored.
   */
  findIova(needle: DMANeedle): DMAMap | undefined {
    const qs = needle.translatedAddr ?? 0n;
    checkU64('needle translated_addr', qs);
    checkU64('needle size', needle.size);
    const qe = add64(qs, needle.size);
    if (this.keying === 'iova') {
      const m = this.translatedIndex().lowestKeyOverlapping(qs, qe);
      return m === undefined ? undefined : copyMap(m);
    }
    // GPA tree: key space == translated space, so this is an ordinary ordered lookup.
    const n = this.firstOverlap(qs, qe);
    return n === null ? undefined : copyMap(n.map);
  }

  /** iova_tree_remove: removes EVERY node overlapping the needle, whole. Returns how many. */
  remove(needle: DMANeedle): number {
    const qs = this.needleKey(needle);
    checkU64('needle size', needle.size);
    const qe = add64(qs, needle.size);
    const doomed: MapNode[] = [];
    for (let n = this.firstOverlap(qs, qe); n !== null && n.start <= qe && n.last >= qs; n = this.after(n.start)) doomed.push(n);
    for (const n of doomed) this.removeNode(n);
    return doomed.length;
  }

  /**
   * iova_tree_alloc_map: first fit in [iovaBegin, iovaLast] with QEMU's exact hole arithmetic.
   * Like QEMU it writes `map.iova` as soon as a hole is chosen (before the final insert, which
   * may still fail), and the stored node carries `map.translatedAddr`/`perm` as given.
   */
  allocMap(map: DMAMap, iovaBegin: bigint, iovaLast: bigint): AllocResult {
    if (this.keying !== 'iova') throw new IovaTreeInputError('alloc_map needs an IOVA-keyed tree (this one is keyed by translated address)');
    checkMap(map);
    checkU64('iova_begin', iovaBegin);
    checkU64('iova_last', iovaLast);
    if (iovaLast < iovaBegin) return { ret: IOVA_ERR_INVALID };
    const size = map.size;
    let result: bigint | undefined;
    // QEMU skips nodes that end before iova_begin; the first node it does not skip is `first`.
    const first = this.firstEndingAtOrAfter(iovaBegin);
    if (first !== null) {
      // Its left neighbour ends below iova_begin, so this hole starts at iova_begin. If `first`
      // straddles iova_begin the u64 subtraction wraps and the hole looks huge (QEMU then fails
      // the insert with -2 instead of searching on).
      if (sub64(first.start, iovaBegin) > size) result = iovaBegin;
      else {
        // Later holes lie between two nodes both at/after iova_begin: plain gaps, strict '>'.
        const n = this.firstGapAfter(first.start, size);
        if (n !== null) result = n.start - n.gap;
      }
    }
    if (result === undefined) {
      // Final hole after the last node, whose inclusive end is HWADDR_MAX: needs size + 2 bytes.
      // A last node ending at HWADDR_MAX wraps prev_last + 1 to 0, so iova_begin wins the MAX.
      const lastNode = this.lastNode();
      const afterLast = lastNode === null ? 0n : add64(lastNode.last, 1n);
      const holeStart = afterLast > iovaBegin ? afterLast : iovaBegin;
      if (sub64(U64_MAX, holeStart) > size) result = holeStart;
    }
    if (result === undefined || add64(result, size) > iovaLast) return { ret: IOVA_ERR_NOMEM };
    map.iova = result;
    const ret = this.insert(map);
    return ret === IOVA_OK ? { ret, iova: result } : { ret };
  }

  /** Copies of all nodes in key order. */
  nodes(): DMAMap[] {
    const out: DMAMap[] = [];
    for (const n of this.treap.inOrder()) out.push(copyMap(n.map));
    return out;
  }

  private keyOf(m: DMANeedle): bigint {
    return (this.keying === 'iova' ? m.iova : m.translatedAddr) ?? 0n;
  }

  private needleKey(needle: DMANeedle): bigint {
    const k = this.keyOf(needle);
    checkU64(this.keying === 'iova' ? 'needle iova' : 'needle translated_addr', k);
    return k;
  }

  /** Lowest-key node the comparator calls "equal" to the needle [qs, qe] (qe may have wrapped). */
  private firstOverlap(qs: bigint, qe: bigint): MapNode | null {
    const n = this.firstEndingAtOrAfter(qs);
    return n !== null && n.start <= qe ? n : null;
  }

  private firstEndingAtOrAfter(x: bigint): MapNode | null {
    let best: MapNode | null = null;
    let n = this.treap.root;
    while (n !== null) {
      if (n.last >= x) {
        best = n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  /** First node (in key order) starting after `start` whose gap before it exceeds `size`. */
  private firstGapAfter(start: bigint, size: bigint): MapNode | null {
    const search = (n: MapNode | null): MapNode | null => {
      while (n !== null && n.maxGap > size) {
        if (n.start <= start) {
          n = n.right;
          continue;
        }
        const inLeft = search(n.left);
        if (inLeft !== null) return inLeft;
        if (n.gap > size) return n;
        n = n.right;
      }
      return null;
    };
    return search(this.treap.root);
  }

  private before(start: bigint): MapNode | null {
    let best: MapNode | null = null;
    let n = this.treap.root;
    while (n !== null) {
      if (n.start < start) {
        best = n;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  private after(start: bigint): MapNode | null {
    let best: MapNode | null = null;
    let n = this.treap.root;
    while (n !== null) {
      if (n.start > start) {
        best = n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  private translatedIndex(): TranslatedIndex {
    if (this.translated === null) {
      const index = new TranslatedIndex();
      for (const n of this.treap.inOrder()) index.add(n.map, n.start);
      this.translated = index;
    }
    return this.translated;
  }

  private lastNode(): MapNode | null {
    let n = this.treap.root;
    while (n !== null && n.right !== null) n = n.right;
    return n;
  }

  private setGap(n: MapNode, gap: bigint): void {
    n.gap = gap;
    this.treap.touch(n);
  }

  private removeNode(n: MapNode): void {
    const prev = this.before(n.start);
    const next = this.after(n.start);
    this.treap.remove(n);
    if (next !== null) this.setGap(next, prev === null ? -1n : next.start - prev.last - 1n);
    this.translated?.delete(n.map, n.start);
  }
}

function checkMap(map: DMAMap): void {
  checkU64('map iova', map.iova);
  checkU64('map translated_addr', map.translatedAddr);
  checkU64('map size', map.size);
  if (!isPerm(map.perm)) throw new IovaTreeInputError(`map perm ${String(map.perm)} is not 0..3 (at iova ${hex(map.iova)})`);
}
