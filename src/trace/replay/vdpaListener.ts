// vhost-vdpa memory listener events: region_add / region_del (qemu-semantics §4.2, §4.3).
// region_add prints the GPA (rounded up to a page) and an EXCLUSIVE end; region_del prints an
// INCLUSIVE last byte since QEMU 8.0 and an exclusive end before: we tell them apart by the
// section they close.
import type { ReplayContext } from './context.js';
import { rangeLabel } from './timeline.js';
import { vdpaDevice } from './vdpaDevices.js';
import type { PendingDel } from './vdpaDevice.js';
import { type Fields, u64Field, ptrField, boolField } from './fields.js';

/** region_adds waiting for their dma_map; real traces have a handful at most */
const MAX_PENDING_ADDS = 256;

export function onRegionAdd(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'vdpa', 'v'));
  const gpa = u64Field(ev, f, 'iova');
  const llend = u64Field(ev, f, 'llend');
  const vaddr = u64Field(ev, f, 'vaddr');
  const readonly = boolField(f, 'readonly');
  if (llend <= gpa) return; // QEMU does not trace empty sections on add; be lenient
  const tl = ctx.timeline;
  for (const old of tl.overlapping(dev.sections.id, gpa, llend - 1n)) tl.remove(old, ctx.line, 'replaced by region_add');
  const section = tl.add({
    table: dev.sections.id,
    start: gpa,
    last: llend - 1n,
    target: vaddr,
    perm: readonly ? 1 : 3,
    createdLine: ctx.line,
    owner: rangeLabel('GPA'),
  });
  dev.sectionSeen(gpa, llend - 1n);
  const predicted = new Map<string, bigint | undefined>();
  for (const p of dev.activePredictors()) predicted.set(p.layout, p.allocGuest(gpa, vaddr, llend - gpa, readonly));
  dev.pendingAdds.push({ line: ctx.line, gpa, llend, vaddr, readonly, section, predicted });
  // QEMU maps a section right after adding it; adds that never got a map (skipped, or a damaged
  // trace) are forgotten past a bound, so matching a map never walks an ever-growing list
  if (dev.pendingAdds.length > MAX_PENDING_ADDS) dev.pendingAdds.splice(0, dev.pendingAdds.length - MAX_PENDING_ADDS);
}

export function onRegionDel(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'vdpa', 'v'));
  const gpa = u64Field(ev, f, 'iova');
  const printed = u64Field(ev, f, 'llend');
  const tl = ctx.timeline;
  const candidates = tl.overlapping(dev.sections.id, gpa, gpa);
  const section = candidates.find((s) => s.start === gpa) ?? candidates[0];
  let last: bigint;
  if (section && printed === section.last) last = printed; // QEMU ≥ 8.0: inclusive
  else if (section && printed === section.last + 1n) last = printed - 1n; // ≤ 7.2: exclusive
  else last = (printed & 0xfffn) === 0xfffn ? printed : printed - 1n;
  if (last < gpa) return; // empty section: QEMU traces it but unmaps nothing
  if (section) tl.remove(section, ctx.line, 'region_del');
  const len = last - gpa + 1n;
  const predicted = new Map<string, bigint | undefined>();
  if (dev.svq) {
    for (const p of dev.activePredictors()) predicted.set(p.layout, p.regionDel(gpa, section?.target, len));
  }
  // QEMU sends a section's unmap inside its region_del callback: an older region_del still
  // waiting was never unmapped, and must not claim the unmaps of this one.
  dev.pendingDels.length = 0;
  const del: PendingDel = { line: ctx.line, gpa, last, section, predicted, remaining: len };
  // In SVQ mode QEMU sends nothing when its tree has no node for the section.
  if (dev.svq && predicted.size > 0 && [...predicted.values()].every((v) => v === undefined)) return;
  dev.pendingDels.push(del);
}
