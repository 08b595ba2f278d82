// The oracle: QEMU's util/iova-tree.c algorithms followed step by step, on a sorted array,
// with no cleverness. Property tests compare IovaTree against it; the benchmark uses it as
// the O(n) baseline (QEMU's allocator and reverse lookup walk every node the same way).
import { copyMap, IOVA_ERR_INVALID, IOVA_ERR_NOMEM, IOVA_ERR_OVERLAP, IOVA_OK, type DMAMap, type IovaRet } from '../../../src/model/dmaMap.js';
import { add64, sub64, U64_MAX } from '../../../src/model/u64.js';
import type { AllocResult, DMANeedle, IovaTreeKeying } from '../../../src/model/iovaTree.js';

/** iova_tree_compare on one coordinate: +1 needle after node, -1 before, 0 any overlap. */
function compare(k1: bigint, s1: bigint, k2: bigint, s2: bigint): -1 | 0 | 1 {
  if (k1 > add64(k2, s2)) return 1;
  if (add64(k1, s1) < k2) return -1;
  return 0;
}

export class LinearIovaTree {
  /** nodes in key order, as g_tree_foreach visits them */
  private list: DMAMap[] = [];

  constructor(readonly keying: IovaTreeKeying = 'iova') {}

  get size(): number {
    return this.list.length;
  }

  private key(m: DMANeedle): bigint {
    return (this.keying === 'iova' ? m.iova : m.translatedAddr) ?? 0n;
  }

  /** g_tree_lookup; when several compare equal we take the first in key order. */
  find(needle: DMANeedle): DMAMap | undefined {
    const k = this.key(needle);
    for (const n of this.list) if (compare(k, needle.size, this.key(n), n.size) === 0) return copyMap(n);
    return undefined;
  }

  insert(map: DMAMap): IovaRet {
    const k = this.key(map);
    if (add64(k, map.size) < k || map.perm === 0) return IOVA_ERR_INVALID;
    if (this.find(map) !== undefined) return IOVA_ERR_OVERLAP;
    let i = 0;
    while (i < this.list.length && this.key(this.list[i]) < k) i++;
    this.list.splice(i, 0, copyMap(map));
    return IOVA_OK;
  }

  findIova(needle: DMANeedle): DMAMap | undefined {
    const t = needle.translatedAddr ?? 0n;
    for (const n of this.list) if (compare(t, needle.size, n.translatedAddr, n.size) === 0) return copyMap(n);
    return undefined;
  }

  /** Returns how many nodes went (QEMU returns nothing; counted for comparison). */
  remove(needle: DMANeedle): number {
    const k = this.key(needle);
    for (let removed = 0; ; removed++) {
      const i = this.list.findIndex((n) => compare(k, needle.size, this.key(n), n.size) === 0);
      if (i < 0) return removed;
      this.list.splice(i, 1);
    }
  }

  allocMap(map: DMAMap, iovaBegin: bigint, iovaLast: bigint): AllocResult {
    if (iovaLast < iovaBegin) return { ret: IOVA_ERR_INVALID };
    let prev: DMAMap | null = null;
    let cur: DMAMap | null = null;
    let result: bigint | undefined;
    const inHole = (): boolean => {
      if (cur !== null && add64(cur.iova, cur.size) < iovaBegin) return false;
      const afterPrev = prev !== null ? add64(add64(prev.iova, prev.size), 1n) : 0n;
      const holeStart = afterPrev > iovaBegin ? afterPrev : iovaBegin;
      const holeLast = cur !== null ? cur.iova : U64_MAX;
      if (sub64(holeLast, holeStart) > map.size) {
        result = holeStart;
        return true;
      }
      return false;
    };
    let found = false;
    for (const node of this.list) {
      prev = cur;
      cur = node;
      if (add64(cur.iova, cur.size) < iovaBegin) continue;
      if (inHole()) {
        found = true;
        break;
      }
    }
    if (!found) {
      prev = cur;
      cur = null;
      found = inHole();
    }
    if (!found || result === undefined || add64(result, map.size) > iovaLast) return { ret: IOVA_ERR_NOMEM };
    map.iova = result;
    const ret = this.insert(map);
    return ret === IOVA_OK ? { ret, iova: result } : { ret };
  }

  nodes(): DMAMap[] {
    return this.list.map(copyMap);
  }

  /** Benchmark setup only: adopt an already valid, key-sorted node list without checks. */
  loadSorted(maps: DMAMap[]): void {
    this.list = maps.map(copyMap);
  }
}
