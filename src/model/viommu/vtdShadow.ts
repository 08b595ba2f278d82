// The per-address-space shadow VT-d keeps of what it already told MAP notifiers (VTDAddressSpace
// iova_tree), and vtd_page_walk_one, which decides from it whether a walked entry becomes a
// notification. A small sorted array is enough here: entries never overlap each other.
import { IOMMU_NONE } from '../access.js';
import { copyMap, IOVA_ERR_INVALID, IOVA_ERR_OVERLAP, IOVA_OK, type DMAMap, type IovaRet } from '../dmaMap.js';
import { hex } from '../u64.js';
import { IOMMU_NOTIFIER_MAP, IOMMU_NOTIFIER_UNMAP, type IommuTlbEvent } from './iommuNotifier.js';

const lastOf = (m: DMAMap): bigint => m.iova + m.size;
const overlaps = (a: DMAMap, b: DMAMap): boolean => a.iova <= lastOf(b) && b.iova <= lastOf(a);

/** VT-d shadow iova_tree: DMAMap{iova, size = addr_mask, translatedAddr = GPA, perm}. */
export class ShadowIovaTree {
  private maps: DMAMap[] = [];

  get size(): number {
    return this.maps.length;
  }

  all(): DMAMap[] {
    return this.maps.map(copyMap);
  }

  /** iova_tree_find: some node overlapping `m` (they never overlap each other, so at most one can equal it). */
  find(m: DMAMap): DMAMap | undefined {
    return this.maps.find((x) => overlaps(x, m));
  }

  /** iova_tree_insert: refuses wrapping ranges, IOMMU_NONE and overlaps. */
  insert(m: DMAMap): IovaRet {
    if (m.iova + m.size > 0xffff_ffff_ffff_ffffn || m.perm === IOMMU_NONE) return IOVA_ERR_INVALID;
    if (this.find(m)) return IOVA_ERR_OVERLAP;
    const at = this.maps.findIndex((x) => x.iova > m.iova);
    this.maps.splice(at < 0 ? this.maps.length : at, 0, copyMap(m));
    return IOVA_OK;
  }

  /** iova_tree_remove: every node overlapping `m` goes, whole. Returns what was removed. */
  remove(m: DMAMap): DMAMap[] {
    const gone = this.maps.filter((x) => overlaps(x, m));
    if (gone.length) this.maps = this.maps.filter((x) => !overlaps(x, m));
    return gone;
  }
}

/** What vtd_page_walk_one traced, in QEMU's words (minus the event name prefix's spacing). */
export interface WalkOneTrace {
  event: 'vtd_page_walk_one' | 'vtd_page_walk_one_skip_map' | 'vtd_page_walk_one_skip_unmap';
  text: string;
}

export interface WalkOneResult {
  /** events handed to the hook (memory_region_notify_iommu / the replayed notifier), in order */
  notifications: IommuTlbEvent[];
  traces: WalkOneTrace[];
}

const sameMap = (a: DMAMap, b: DMAMap): boolean => a.iova === b.iova && a.size === b.size && a.translatedAddr === b.translatedAddr && a.perm === b.perm;

const walkOneTrace = (domainId: number, e: IommuTlbEvent): WalkOneTrace => ({
  event: 'vtd_page_walk_one',
  text: `domain ${hex(BigInt(domainId))} iova ${hex(e.entry.iova)} -> gpa ${hex(e.entry.translatedAddr)} mask ${hex(e.entry.addrMask)} perm ${e.entry.perm}`,
});

/**
 * vtd_page_walk_one: identical MAPs are skipped, a changed translation is sent as UNMAP (of the
 * new range, with the new address and perm 0) then MAP, UNMAPs of never-mapped ranges are
 * skipped, and UNMAPs are dropped entirely when the walk does not notify unmaps (replay).
 */
export function pageWalkOne(tree: ShadowIovaTree, event: IommuTlbEvent, info: { notifyUnmap: boolean; domainId: number }): WalkOneResult {
  const e = event.entry;
  const target: DMAMap = { iova: e.iova, size: e.addrMask, translatedAddr: e.translatedAddr, perm: e.perm };
  const out: WalkOneResult = { notifications: [], traces: [] };
  const skipUnmap = (): WalkOneResult => {
    out.traces.push({ event: 'vtd_page_walk_one_skip_unmap', text: `iova ${hex(e.iova)} mask ${hex(e.addrMask)}` });
    return out;
  };
  const mapped = tree.find(target);
  if (event.type === IOMMU_NOTIFIER_UNMAP && !info.notifyUnmap) return skipUnmap();

  if (event.type === IOMMU_NOTIFIER_MAP) {
    if (mapped) {
      if (sameMap(mapped, target)) {
        out.traces.push({ event: 'vtd_page_walk_one_skip_map', text: `iova ${hex(e.iova)} mask ${hex(e.addrMask)} translated ${hex(e.translatedAddr)}` });
        return out;
      }
      // Translation changed: there is no "modify" for VFIO, so QEMU unmaps then maps, leaving
      // a short window with no mapping at all.
      const unmap: IommuTlbEvent = { type: IOMMU_NOTIFIER_UNMAP, entry: { ...e, perm: IOMMU_NONE } };
      out.traces.push(walkOneTrace(info.domainId, unmap));
      out.notifications.push(unmap);
      tree.remove(target);
    }
    tree.insert(target);
  } else {
    if (!mapped) return skipUnmap();
    tree.remove(target);
  }
  out.traces.push(walkOneTrace(info.domainId, event));
  out.notifications.push({ type: event.type, entry: { ...e } });
  return out;
}
