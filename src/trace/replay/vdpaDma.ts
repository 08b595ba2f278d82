// vhost_vdpa_dma_map / vhost_vdpa_dma_unmap: kernel IOTLB semantics per ASID (qemu-semantics
// §5.2, §9.10): an UPDATE overlapping anything is refused (EEXIST), an INVALIDATE removes every
// overlapping map whole. Each map is paired with the listener section that asked for it.
import { hex, U64_MAX } from '../../model/u64.js';
import type { ReplayContext } from './context.js';
import { OWNER_OF_SOURCE, sharedText, type MapRecord } from './timeline.js';
import type { VdpaDevice, PendingAdd } from './vdpaDevice.js';
import { vdpaDevice } from './vdpaDevices.js';
import { type Fields, u64Field, numField, optNumField, ptrField } from './fields.js';
import { diagnoseSectionUnmap, diagnoseOtherUnmap } from './vdpaUnmapDiagnosis.js';
import { checkPrediction, predictEarlyHostOnly, judgeEarlyHostOnly } from './vdpaPrediction.js';

const range = (a: bigint, b: bigint) => `[${hex(a)}, ${hex(b)}]`;

export function onDmaMap(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'vdpa', 'v'), optNumField(f, 'fd'));
  const asid = optNumField(f, 'asid') ?? 0;
  const iova = u64Field(ev, f, 'iova');
  const len = u64Field(ev, f, 'size');
  const uaddr = u64Field(ev, f, 'uaddr');
  const perm = numField(ev, f, 'perm') & 3;
  const tl = ctx.timeline;
  const table = dev.iotlb(asid);
  ctx.recentMap = { line: ctx.line, device: dev.key, asid, iova, len };

  if (len === 0n || iova + len - 1n > U64_MAX) {
    ctx.recentMap.outOfRange = `size ${hex(len)} at IOVA ${hex(iova)} is not a valid range`;
    ctx.diags.add({ code: 'iova-out-of-range', severity: 'error', line: ctx.line, message: `dma_map of ${hex(len)} bytes at IOVA ${hex(iova)} (ASID ${asid}) is not a valid range: the kernel refuses it (EINVAL)` });
    return;
  }
  const last = iova + len - 1n;
  const r = dev.iovaRange;
  if (r && (iova < r.first || last > r.last)) {
    ctx.recentMap.outOfRange = `outside the device IOVA range ${range(r.first, r.last)}`;
    ctx.diags.add({
      code: 'iova-out-of-range',
      severity: 'error',
      line: ctx.line,
      message: `dma_map IOVA ${range(iova, last)} (ASID ${asid}) is outside the device's IOVA range ${range(r.first, r.last)}: the kernel refuses it (EINVAL)`,
      related: [{ line: r.line, message: `IOVA range ${range(r.first, r.last)} reported here` }],
    });
    return;
  }

  const pending = takePendingAdd(dev, uaddr, len);
  if (pending) noteSvqMode(ctx, dev, pending, iova);
  if (dev.svq) checkPrediction(ctx, dev, pending, iova, uaddr, len, perm === 1);
  else if (dev.svq === undefined && !pending) predictEarlyHostOnly(ctx, dev, iova, uaddr, len, perm === 1);

  const clash = tl.overlapping(table.id, iova, last);
  if (clash.length > 0) {
    const c = clash[0];
    ctx.recentMap.collidedWith = { line: c.createdLine, start: c.start, last: c.last, owner: c.owner };
    ctx.diags.add({
      code: 'map-overlap',
      severity: 'error',
      line: ctx.line,
      message: `dma_map IOVA ${range(iova, last)} (ASID ${asid}) overlaps the live map ${range(c.start, c.last)}${c.owner ? ` of ${c.owner}` : ''} created at line ${c.createdLine}: the kernel refuses the update (EEXIST) and this map does not exist`,
      related: clash.map((x) => ({ line: x.createdLine, message: `map ${range(x.start, x.last)} created here` })),
    });
    return;
  }
  tl.add({
    table: table.id,
    start: iova,
    last,
    target: uaddr,
    perm: perm as 0 | 1 | 2 | 3,
    createdLine: ctx.line,
    // a section's map is named as its section (read through `source`, not copied per map)
    owner: pending ? OWNER_OF_SOURCE : dev.svq ? 'host-only memory (SVQ vring or CVQ buffer)' : asid === 0 ? 'vIOMMU mapping' : sharedText(`ASID ${asid} mapping`),
    source: pending?.section.id,
  });
}

/** The region_add this map answers: same HVA and same length, oldest first. */
function takePendingAdd(dev: VdpaDevice, uaddr: bigint, len: bigint): PendingAdd | undefined {
  const i = dev.pendingAdds.findIndex((p) => p.vaddr === uaddr && p.llend - p.gpa === len);
  if (i < 0) return undefined;
  const [p] = dev.pendingAdds.splice(i, 1);
  // adds older than the matched one never got a map (skipped or failed): forget them
  dev.pendingAdds.splice(0, i);
  return p;
}

function noteSvqMode(ctx: ReplayContext, dev: VdpaDevice, p: PendingAdd, iova: bigint): void {
  if (dev.svq !== undefined) return;
  dev.svq = iova !== p.gpa;
  dev.svqLine = ctx.line;
  if (dev.svq) judgeEarlyHostOnly(ctx, dev);
  else {
    dev.earlyHostOnly = [];
    // without SVQ nothing reads the allocator predictions, and region_del never frees their
    // nodes: kept, the trees would grow with every section for the rest of the trace
    dev.predictors = [];
  }
}

export function onDmaUnmap(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'vdpa', 'v'), optNumField(f, 'fd'));
  const asid = optNumField(f, 'asid') ?? 0;
  const iova = u64Field(ev, f, 'iova');
  const len = u64Field(ev, f, 'size');
  // a "failed to write" after this line is this unmap's, not the map before it
  ctx.recentMap = undefined;
  if (len === 0n) return;
  const last = iova + len - 1n > U64_MAX ? U64_MAX : iova + len - 1n;
  const tl = ctx.timeline;
  const table = dev.iotlb(asid);
  const removed: MapRecord[] = tl.overlapping(table.id, iova, last);
  const del = asid === 0 ? dev.pendingDels[0] : undefined;
  if (del) {
    diagnoseSectionUnmap(ctx, dev, del, asid, iova, last, removed);
    del.remaining -= len;
    if (del.remaining <= 0n) dev.pendingDels.shift();
  } else {
    diagnoseOtherUnmap(ctx, dev, asid, iova, last, removed);
    if (dev.svq) for (const p of dev.predictors) p.hostOnlyUnmap(iova, len);
  }
  for (const r of removed) tl.remove(r, ctx.line, 'dma_unmap');
}
