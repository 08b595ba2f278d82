// What an unmap did compared with what it should have done: the seed bug (an unmap that
// removes another section's map because QEMU looked the section up by an aliased HVA), unmaps
// of nothing, and unmaps that cut a map the kernel then drops whole.
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';
import type { MapRecord } from './timeline.js';
import type { VdpaDevice, PendingDel } from './vdpaDevice.js';
import type { RelatedLine } from './diagnostics.js';
import { judgeUnmapPrediction } from './vdpaPrediction.js';

const range = (a: bigint, b: bigint) => `[${hex(a)}, ${hex(b)}]`;
const hvaRange = (r: MapRecord) => range(r.target, r.target + (r.last - r.start));

/** Two section records of one GPA range backed by the same HVA (a section added, deleted, added again). */
function sameSection(a: MapRecord | undefined, b: MapRecord | undefined): boolean {
  return a !== undefined && b !== undefined && a.start === b.start && a.last === b.last && a.target === b.target;
}

export function diagnoseSectionUnmap(
  ctx: ReplayContext,
  dev: VdpaDevice,
  del: PendingDel,
  asid: number,
  iova: bigint,
  last: bigint,
  removed: MapRecord[],
): void {
  const tl = ctx.timeline;
  const sectionId = del.section?.id;
  const own = sectionId === undefined ? [] : tl.liveFromSource(dev.iotlb(asid).id, sectionId);
  if (dev.svq) judgeUnmapPrediction(ctx, dev, del, iova);
  if (removed.length === 0) {
    if (isIommuSectionDel(dev, del)) {
      ctx.diags.add({
        code: 'unmap-unmapped',
        severity: 'info',
        line: ctx.line,
        message: `dma_unmap IOVA ${range(iova, last)} (ASID ${asid}) for the region_del of GPA ${range(del.gpa, del.last)} covers nothing mapped: normal when a vIOMMU section goes away, QEMU unmaps its whole range`,
        related: [{ line: del.line, message: `region_del of GPA ${range(del.gpa, del.last)}` }],
      });
      return;
    }
    const hint = own.length ? `; this region's map is at IOVA ${range(own[0].start, own[0].last)} (line ${own[0].createdLine})` : '';
    ctx.diags.add({
      code: 'unmap-unmapped',
      severity: 'warning',
      line: ctx.line,
      message: `dma_unmap IOVA ${range(iova, last)} (ASID ${asid}) for the region_del of GPA ${range(del.gpa, del.last)} removes nothing: nothing is mapped there${hint}`,
      related: [{ line: del.line, message: `region_del of GPA ${range(del.gpa, del.last)}` }, ...own.map((r) => ({ line: r.createdLine, message: 'the region\'s own map' }))],
    });
    return;
  }
  // a map made for an earlier add of this same section (same GPA range, same HVA) is this region's
  // map too: QEMU 7.2 leaves such copies behind after a wrong unmap, and removing one is no alias bug
  const foreign = removed.filter((r) => r.source !== sectionId && !sameSection(tl.record(r.source ?? -1), del.section));
  if (foreign.length > 0 && del.section) {
    reportAliasedUnmap(ctx, dev, del, del.section, asid, iova, last, foreign, own);
    return;
  }
  reportPartial(ctx, asid, iova, last, removed);
}

function reportAliasedUnmap(
  ctx: ReplayContext,
  dev: VdpaDevice,
  del: PendingDel,
  section: MapRecord,
  asid: number,
  iova: bigint,
  last: bigint,
  foreign: MapRecord[],
  own: MapRecord[],
): void {
  const v = foreign[0];
  const secHva = hvaRange(section);
  const secHvaLast = section.target + (section.last - section.start);
  const vHvaLast = v.target + (v.last - v.start);
  const hvaOverlap = section.target <= vHvaLast && v.target <= secHvaLast;
  const ownText = own.length
    ? `should have been this region's own map at IOVA ${range(own[0].start, own[0].last)} (line ${own[0].createdLine}), which stays mapped`
    : 'should have been a map of this region, but it has none';
  const why = hvaOverlap
    ? `The two maps overlap in HVA: this region's HVA ${secHva} lies ${section.target >= v.target && secHvaLast <= vHvaLast ? 'inside' : 'across'} ${hvaRange(v)}. ` +
      `Looking the section up by HVA returns the first overlapping map in IOVA order: QEMU's single HVA-keyed IOVA tree (before QEMU 10.0) does exactly this with aliased guest memory.`
    : 'The map it removed does not even share HVA with this region: QEMU\'s IOVA tree and the device disagree.';
  const loss = v.last - v.start + 1n;
  ctx.diags.add({
    code: 'aliased-unmap',
    severity: 'error',
    line: ctx.line,
    message:
      `dma_unmap IOVA ${range(iova, last)} (ASID ${asid}) for the region_del of GPA ${range(del.gpa, del.last)} removes the map of ${v.owner ?? 'another region'} ` +
      `(IOVA ${range(v.start, v.last)}, HVA ${hvaRange(v)}, line ${v.createdLine}); it ${ownText}. ${why} ` +
      (v.start >= iova && v.last <= last
        ? `The unmap covers that map whole: the kernel removes it, and ${hex(loss)} bytes of ${v.owner ?? 'memory'} are no longer reachable by the device.`
        : `QEMU forgets the whole ${hex(loss)}-byte map; the kernel removes only the chunks of it that overlap ${range(iova, last)} (the device loses at least that much of ${v.owner ?? 'that memory'}), ` +
          `and the rest stays mapped, orphaned: nothing will unmap it, and later maps over it are refused (errno 14).`),
    related: [
      { line: del.line, message: `region_del of GPA ${range(del.gpa, del.last)} (HVA ${secHva})` },
      { line: section.createdLine, message: `region_add of GPA ${range(section.start, section.last)}` },
      { line: v.createdLine, message: `the map this unmap removes: IOVA ${range(v.start, v.last)}, HVA ${hvaRange(v)}` },
      ...own.map((r): RelatedLine => ({ line: r.createdLine, message: `this region's own map: IOVA ${range(r.start, r.last)} (left mapped)` })),
    ],
  });
  void dev;
}

function reportPartial(ctx: ReplayContext, asid: number, iova: bigint, last: bigint, removed: MapRecord[]): void {
  for (const r of removed) {
    if (r.start >= iova && r.last <= last) continue;
    const extra = r.last - r.start + 1n - ((r.last < last ? r.last : last) - (r.start > iova ? r.start : iova) + 1n);
    ctx.diags.add({
      code: 'partial-unmap',
      severity: 'warning',
      line: ctx.line,
      message: `dma_unmap IOVA ${range(iova, last)} (ASID ${asid}) cuts the map ${range(r.start, r.last)} (line ${r.createdLine}): the kernel removes only the chunks it touches, and the other ${hex(extra)} bytes may stay mapped, orphaned (later maps over them are refused with errno 14); VFIO type1 would refuse this unmap (EINVAL)`,
      related: [{ line: r.createdLine, message: `map ${range(r.start, r.last)} created here` }],
    });
  }
}

/**
 * A region_del for a section whose region_add was never traced: an IOMMU section (QEMU hands it
 * to vhost_vdpa_iommu_region_add before the trace), whose region_del still unmaps the whole range
 * (two 2^63 halves for the full space) whatever the vIOMMU mapped. A section that was added and
 * already deleted is not one: deleting it again is QEMU's mistake.
 */
function isIommuSectionDel(dev: VdpaDevice, del: PendingDel): boolean {
  if (del.section || dev.svq === true) return false;
  return !dev.hadSection(del.gpa, del.last);
}

export function diagnoseOtherUnmap(ctx: ReplayContext, dev: VdpaDevice, asid: number, iova: bigint, last: bigint, removed: MapRecord[]): void {
  if (removed.length > 0) {
    reportPartial(ctx, asid, iova, last, removed);
    return;
  }
  const viommu = asid === 0 && dev.svq !== true;
  ctx.diags.add({
    code: 'unmap-unmapped',
    severity: viommu ? 'info' : 'warning',
    line: ctx.line,
    message: viommu
      ? `dma_unmap IOVA ${range(iova, last)} (ASID ${asid}) covers nothing mapped: normal for a vIOMMU invalidation, which may be wider than any map`
      : `dma_unmap IOVA ${range(iova, last)} (ASID ${asid}) removes nothing: QEMU believed something was mapped there`,
  });
}
