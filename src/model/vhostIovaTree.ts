// QEMU's VhostIOVATree (hw/virtio/vhost-iova-tree.c): the IOVA bookkeeping of vhost-vdpa with
// shadow virtqueues, in its two shapes.
//
// 'current' (QEMU 10.0+, after the 2025 aliased-memory fix): an IOVA-only allocator tree, a
//   GPA-keyed GPA→IOVA tree for guest memory and an IOVA-keyed IOVA→HVA tree for host-only
//   buffers (SVQ vrings, CVQ buffers).
// 'legacy' (QEMU 7.0 … 9.2): one IOVA-keyed tree whose translated_addr is always an HVA; the
//   allocator allocates directly in it. Looking guest memory up by HVA is what made aliased
//   guest memory unmap the wrong range (scenarios §1) — reproducing that is the point.
//
// Both raise iova_first to the host page size ("some devices do not like 0 addresses"). For the
// legacy tree the reference doc (§2.2) only shows the struct; we raise it because QEMU 7.0's
// constructor already did, and the legacy capture in samples/aliased-unmap-svq-legacy.log
// (device range first 0x0, first allocation at IOVA 0x1000) shows exactly that.
import { IOMMU_NONE } from './access.js';
import { IOVA_ERR_INVALID, IOVA_OK, type DMAMap, type IovaRet } from './dmaMap.js';
import { IovaTree, IovaTreeInputError, type DMANeedle } from './iovaTree.js';
import { add64, hex, isU64 } from './u64.js';

export type VhostIovaLayout = 'current' | 'legacy';

export interface VhostIovaTreeOptions {
  layout?: VhostIovaLayout;
  /** qemu_real_host_page_size(); default 0x1000 */
  hostPageSize?: bigint;
}

export type VhostIovaDump =
  | { layout: 'current'; taddr: DMAMap[]; alloc: DMAMap[]; gpa: DMAMap[] }
  | { layout: 'legacy'; raw: DMAMap[] };

/** A GPA-tree operation on a legacy tree, which has no GPA tree. */
export class VhostLayoutError extends Error {
  constructor(op: string) {
    super(`${op} needs the current VhostIOVATree layout (QEMU 10.0+); the legacy layout (QEMU 7.0-9.2) has no GPA tree`);
    this.name = 'VhostLayoutError';
  }
}

export class VhostIovaTree {
  readonly layout: VhostIovaLayout;
  readonly iovaFirst: bigint;
  readonly iovaLast: bigint;
  /** IOVA→HVA. In the legacy layout the only tree (allocator and translation in one). */
  private readonly taddrMap = new IovaTree('iova');
  /** IOVA-only allocator (current layout). */
  private readonly iovaMap = new IovaTree('iova');
  /** GPA→IOVA, keyed by GPA (current layout). */
  private readonly gpaMap = new IovaTree('gpa');

  constructor(iovaFirst: bigint, iovaLast: bigint, options: VhostIovaTreeOptions = {}) {
    const page = options.hostPageSize ?? 0x1000n;
    for (const [what, v] of [['iova_first', iovaFirst], ['iova_last', iovaLast], ['host page size', page]] as const) {
      if (typeof v !== 'bigint' || !isU64(v)) throw new IovaTreeInputError(`vhost_iova_tree_new: ${what} is not a u64: ${String(v)}`);
    }
    this.layout = options.layout ?? 'current';
    this.iovaFirst = iovaFirst > page ? iovaFirst : page;
    this.iovaLast = iovaLast;
  }

  /**
   * vhost_iova_tree_map_alloc: host-only memory at HVA `taddr`. Writes `map.iova` (when a hole
   * is found) and `map.translatedAddr = taddr` (only after the allocation succeeded) like QEMU,
   * so callers can use QEMU's "translated_addr == taddr" test for a failed second insert.
   * Legacy: callers filled translated_addr with the HVA before the call; we do that with `taddr`
   * first, then allocate in the single tree.
   */
  mapAlloc(map: DMAMap, taddr: bigint): IovaRet {
    if (this.layout === 'legacy') {
      map.translatedAddr = taddr;
      if (invalidTranslation(map, taddr)) return IOVA_ERR_INVALID;
      return this.taddrMap.allocMap(map, this.iovaFirst, this.iovaLast).ret;
    }
    return this.allocThenInsert(map, taddr, this.taddrMap);
  }

  /** vhost_iova_tree_map_alloc_gpa: guest memory at GPA `taddr` (current layout only). */
  mapAllocGpa(map: DMAMap, taddr: bigint): IovaRet {
    if (this.layout === 'legacy') throw new VhostLayoutError('vhost_iova_tree_map_alloc_gpa');
    return this.allocThenInsert(map, taddr, this.gpaMap);
  }

  /** vhost_iova_tree_find_iova: by HVA, first overlap in IOVA order. */
  findIova(needle: DMANeedle): DMAMap | undefined {
    return this.taddrMap.findIova(needle);
  }

  /** vhost_iova_tree_find_gpa: by GPA, first overlap in GPA order (current layout only). */
  findGpa(needle: DMANeedle): DMAMap | undefined {
    if (this.layout === 'legacy') throw new VhostLayoutError('vhost_iova_tree_find_gpa');
    return this.gpaMap.findIova(needle);
  }

  /** vhost_iova_tree_remove: every node overlapping [iova, iova+size] in IOVA→HVA and allocator. */
  remove(map: DMANeedle): void {
    this.taddrMap.remove(map);
    if (this.layout === 'current') this.iovaMap.remove(map);
  }

  /**
   * vhost_iova_tree_remove_gpa: the GPA tree by GPA overlap of [translatedAddr, +size], then the
   * allocator by IOVA overlap of [iova, +size] — one call, two key spaces.
   */
  removeGpa(map: DMANeedle): void {
    if (this.layout === 'legacy') throw new VhostLayoutError('vhost_iova_tree_remove_gpa');
    this.gpaMap.remove(map);
    this.iovaMap.remove(map);
  }

  /**
   * A tree holding the nodes read from a live QEMU (part 9), for the lookups QEMU is about to
   * make on it: `taddr` is the IOVA→HVA tree (legacy: the only one), `gpa` the GPA→IOVA tree
   * (current). The allocator tree is left empty: no find or remove takes its answer from it.
   */
  static fromNodes(layout: VhostIovaLayout, nodes: { taddr: readonly DMAMap[]; gpa?: readonly DMAMap[] }): VhostIovaTree {
    const t = new VhostIovaTree(0n, 0xffff_ffff_ffff_ffffn, { layout });
    const put = (tree: IovaTree, what: string, m: DMAMap): void => {
      if (tree.insert(m) !== IOVA_OK) throw new IovaTreeInputError(`${what} node IOVA ${hex(m.iova)} (+${hex(m.size)}) does not fit the tree: it overlaps another or has no permission`);
    };
    for (const m of nodes.taddr) put(t.taddrMap, 'IOVA tree', m);
    if (layout === 'legacy' && nodes.gpa?.length) throw new VhostLayoutError('a GPA tree');
    for (const m of nodes.gpa ?? []) put(t.gpaMap, 'GPA tree', m);
    return t;
  }

  /** Every tree's nodes, each in its own key order. */
  dump(): VhostIovaDump {
    if (this.layout === 'legacy') return { layout: 'legacy', raw: this.taddrMap.nodes() };
    return { layout: 'current', taddr: this.taddrMap.nodes(), alloc: this.iovaMap.nodes(), gpa: this.gpaMap.nodes() };
  }

  private allocThenInsert(map: DMAMap, taddr: bigint, translation: IovaTree): IovaRet {
    if (invalidTranslation(map, taddr)) return IOVA_ERR_INVALID;
    // The allocator's node keeps the caller's translated_addr as it is now (usually 0).
    const { ret } = this.iovaMap.allocMap(map, this.iovaFirst, this.iovaLast);
    if (ret !== IOVA_OK) return ret;
    map.translatedAddr = taddr;
    return translation.insert(map);
  }
}

function invalidTranslation(map: DMAMap, taddr: bigint): boolean {
  if (typeof taddr !== 'bigint' || !isU64(taddr)) throw new IovaTreeInputError(`taddr is not a u64: ${String(taddr)}`);
  if (typeof map.size !== 'bigint' || !isU64(map.size)) throw new IovaTreeInputError(`map size is not a u64: ${String(map.size)} (taddr ${hex(taddr)})`);
  return add64(taddr, map.size) < taddr || map.perm === IOMMU_NONE;
}
