// The range walk QEMU uses to keep MAP notifiers (VFIO, vhost-vdpa with a vIOMMU) in sync with
// the guest page tables (vtd_page_walk / vtd_page_walk_level): one event per leaf or invalid
// entry met over [start, end), whole level-sized pages, permissions stacked from the top.
import { accessFlag, type Perm } from '../access.js';
import { hex } from '../u64.js';
import { IOMMU_NOTIFIER_MAP, IOMMU_NOTIFIER_UNMAP, type IommuTlbEvent } from './iommuNotifier.js';
import { le64 } from './guestPages.js';
import { isLeaf, levelIndex, levelPageSize, pteReservedMask, SL_R, SL_W, tableAddr, type ContextEntry, type VtdConfig } from './vtdFormat.js';
import { needPage, type PageFetch, type TableWalk } from './walkDriver.js';

/** A stretch the walk passed over without an event (QEMU traces it and moves on). */
export interface PageWalkSkip {
  /** vtd_page_walk_skip_read / vtd_page_walk_skip_reserve */
  why: 'read' | 'reserved';
  iova: bigint;
  /** exclusive end of the skipped stretch */
  next: bigint;
  level: number;
  detail: string;
}

export type PageWalkOutcome =
  | { ok: true; events: IommuTlbEvent[]; skips: PageWalkSkip[]; end: bigint }
  | { ok: false; reason: string };

/** vtd_page_walk: refuse a start beyond the address width, clip the end to it, walk. */
export function* pageWalkRange(ce: ContextEntry, start: bigint, end: bigint, c: VtdConfig): TableWalk<PageWalkOutcome> {
  const limit = 1n << BigInt(Math.min(ce.agaw, c.awBits));
  if (start >= limit) return { ok: false, reason: `page walk start ${hex(start)} is beyond the ${Math.min(ce.agaw, c.awBits)}-bit address width` };
  const clipped = end > limit ? limit : end;
  const events: IommuTlbEvent[] = [];
  const skips: PageWalkSkip[] = [];
  yield* walkLevel(ce.slptptr, start, clipped, ce.levels, true, true, c, events, skips);
  return { ok: true, events, skips, end: clipped };
}

function* walkLevel(
  table: bigint,
  start: bigint,
  end: bigint,
  level: number,
  read: boolean,
  write: boolean,
  c: VtdConfig,
  events: IommuTlbEvent[],
  skips: PageWalkSkip[],
): Generator<bigint, void, PageFetch> {
  const size = levelPageSize(level);
  for (let iova = start; iova < end; ) {
    const pageStart = iova & ~(size - 1n);
    const next = pageStart + size;
    const at = table + BigInt(levelIndex(iova, level)) * 8n;
    const page: PageFetch = yield* needPage(at);
    if (page instanceof Error) {
      skips.push({ why: 'read', iova, next, level, detail: page.message });
    } else {
      const pte = le64(page, Number(at & 0xfffn));
      if (pte === 0xffff_ffff_ffff_ffffn) {
        // indistinguishable from a failed read in QEMU
        skips.push({ why: 'read', iova, next, level, detail: `PTE ${hex(at)} reads as all-ones` });
        iova = next;
        continue;
      }
      const leaf = isLeaf(pte, level);
      const rsvd = pte & pteReservedMask(level, leaf && level > 1, c);
      if (rsvd !== 0n) {
        skips.push({ why: 'reserved', iova, next, level, detail: `PTE ${hex(at)} = ${hex(pte)} has reserved bits ${hex(rsvd)}` });
      } else {
        const r = read && (pte & SL_R) !== 0n;
        const w = write && (pte & SL_W) !== 0n;
        if (!leaf && (r || w)) {
          yield* walkLevel(tableAddr(pte, c.awBits), iova, next < end ? next : end, level - 1, r, w, c, events, skips);
        } else {
          // Invalid entries (leaf or not) become UNMAPs of the whole level-sized page; their
          // translated_addr is whatever address the entry holds, as in QEMU.
          const perm: Perm = accessFlag(r, w);
          events.push({
            type: perm ? IOMMU_NOTIFIER_MAP : IOMMU_NOTIFIER_UNMAP,
            entry: { iova: pageStart, addrMask: size - 1n, translatedAddr: tableAddr(pte, c.awBits), perm },
          });
        }
      }
    }
    iova = next;
  }
}
