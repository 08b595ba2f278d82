// vhost_vdpa_dma_map / vhost_vdpa_dma_unmap: the kernel IOTLB per ASID, run by the model's rules
// (src/model/iotlb/kernelIotlb.ts) over the device's timeline tables. QEMU traces a message
// BEFORE it writes it, so a map's outcome is known only after: the model refuses it when it
// overlaps a live map or leaves the device range; one that overlaps only the orphaned rest of a
// cut map waits for QEMU's error line (vdpaMapOutcome.ts). Each map is paired with the listener
// section that asked for it.
import { hex, U64_MAX } from '../../model/u64.js';
import { invalidate, judgeUpdate } from '../../model/iotlb/kernelIotlb.js';
import type { ReplayContext, PendingMap } from './context.js';
import { OWNER_OF_SOURCE, sharedText, type MapRecord, type OwnerLabel } from './timeline.js';
import type { VdpaDevice, PendingAdd } from './vdpaDevice.js';
import { vdpaDevice } from './vdpaDevices.js';
import { type Fields, u64Field, numField, optNumField, ptrField } from './fields.js';
import { diagnoseSectionUnmap, diagnoseOtherUnmap } from './vdpaUnmapDiagnosis.js';
import { checkPrediction, predictEarlyHostOnly } from './vdpaPrediction.js';
import { noteSvqMode, rollBackQemu, survivedReset } from './vdpaMapOutcome.js';
import type { Perm } from '../../model/access.js';

const range = (a: bigint, b: bigint) => `[${hex(a)}, ${hex(b)}]`;
const FULL = { first: 0n, last: U64_MAX };

export function onDmaMap(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'vdpa', 'v'), optNumField(f, 'fd'));
  const asid = optNumField(f, 'asid') ?? 0;
  const iova = u64Field(ev, f, 'iova');
  const len = u64Field(ev, f, 'size');
  const uaddr = u64Field(ev, f, 'uaddr');
  const perm = (numField(ev, f, 'perm') & 3) as Perm;
  dev.iotlb(asid);
  dev.kernel.createAsid(asid); // the kernel creates the address space before it checks the message
  const msg = { asid, iova, size: len, uaddr, perm, line: ctx.line };
  const verdict = judgeUpdate(dev.kernel, dev.iovaRange ?? FULL, msg);
  ctx.recentMap = { line: ctx.line, device: dev.key, asid, iova, len };

  if (verdict.kind === 'refuse' && verdict.cause.kind === 'range') {
    ctx.recentMap.refused = verdict.cause;
    const r = dev.iovaRange;
    const invalid = len === 0n || iova > U64_MAX - len + 1n;
    ctx.recentMap.outOfRange = invalid ? `size ${hex(len)} at IOVA ${hex(iova)} is not a valid range` : `outside the device IOVA range ${range(r!.first, r!.last)}`;
    ctx.diags.add({
      code: 'iova-out-of-range',
      severity: 'error',
      line: ctx.line,
      message: invalid
        ? `dma_map of ${hex(len)} bytes at IOVA ${hex(iova)} (ASID ${asid}) is not a valid range: the kernel refuses it (EINVAL)`
        : `dma_map IOVA ${range(iova, iova + len - 1n)} (ASID ${asid}) is outside the device's IOVA range ${range(r!.first, r!.last)}: the kernel refuses it (EINVAL)`,
      related: r && !invalid ? [{ line: r.line, message: `IOVA range ${range(r.first, r.last)} reported here` }] : [],
    });
    return;
  }
  const last = iova + len - 1n;

  const pending = takePendingAdd(dev, uaddr, len);
  if (pending) noteSvqMode(ctx, dev, pending, iova);
  if (dev.svq) checkPrediction(ctx, dev, pending, iova, uaddr, len, perm === 1);
  else if (dev.svq === undefined && !pending) predictEarlyHostOnly(ctx, dev, iova, uaddr, len, perm === 1);

  if (verdict.kind === 'refuse' && verdict.cause.kind === 'overlap') {
    const c = verdict.cause.live[0];
    ctx.recentMap.refused = verdict.cause;
    ctx.recentMap.collidedWith = { line: c.rec.createdLine, start: c.iova, last: c.last, ...(c.rec.owner ? { owner: c.rec.owner } : {}) };
    const reset = survivedReset(dev, c.rec);
    ctx.diags.add({
      code: 'map-overlap',
      severity: 'error',
      line: ctx.line,
      message:
        `dma_map IOVA ${range(iova, last)} (ASID ${asid}) overlaps the live map ${range(c.iova, c.last)}${c.rec.owner ? ` of ${c.rec.owner}` : ''} created at line ${c.rec.createdLine}` +
        `${reset === undefined ? '' : `, which survived the device reset at line ${reset} (a reset never clears vhost-vdpa's IOTLB)`}: ` +
        `the kernel refuses the update (EEXIST inside the kernel; QEMU sees errno 14), this map does not exist, and QEMU drops the IOVA it had allocated for it`,
      related: verdict.cause.live.map((x) => ({ line: x.rec.createdLine, message: `map ${range(x.iova, x.last)} created here` })),
    });
    rollBackQemu(dev, { msg, section: pending });
    return;
  }
  // accepted or waiting for QEMU's word: named as its section (read through `source`)
  // QEMU ≤ 10.0 maps the SVQ vrings before the listener: a map before SVQ mode is known and with
  // no vIOMMU in the trace is host-only memory too
  const hostOnly = dev.svq === true || (dev.svq === undefined && !ctx.viommu);
  const guess = dev.svq === undefined && ctx.viommu !== undefined && asid === 0;
  const owner: OwnerLabel = pending
    ? OWNER_OF_SOURCE
    : hostOnly
      ? 'host-only memory (SVQ vring or CVQ buffer)'
      : guess
        ? 'host-only memory (SVQ vring or CVQ buffer) or a vIOMMU mapping'
        : asid === 0
          ? 'vIOMMU mapping'
          : sharedText(`ASID ${asid} mapping`);
  const p: PendingMap = { dev, msg, verdict, owner, ...(pending ? { section: pending, source: pending.section.id } : {}) };
  ctx.pendingMap = p;
  ctx.recentMap.pending = p;
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

/**
 * A host-only unmap frees QEMU's IOVA node (SVQ): free it in the predictions too. Before SVQ mode is
 * known the map may still wait to be judged; once unmapped it is dropped unjudged, so a trace of
 * map/unmap pairs without a listener keeps nothing per pair.
 */
function unmapHostOnly(dev: VdpaDevice, iova: bigint, len: bigint): void {
  if (dev.svq === true) {
    for (const p of dev.predictors) p.hostOnlyUnmap(iova, len);
    return;
  }
  // SVQ not known yet: free the node each layout predicted for this map (the newest early map is
  // the likely one: search from the end)
  const early = dev.earlyHostOnly;
  for (let i = early.length - 1; i >= 0; i--) {
    if (early[i].iova !== iova) continue;
    for (const [p, predicted] of early[i].predicted) if (predicted !== undefined) p.hostOnlyUnmap(predicted, len);
    early.splice(i, 1);
    return;
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
    if (dev.svq !== false) unmapHostOnly(dev, iova, len);
  }
  const out = invalidate(dev.kernel, { asid, iova, size: len, line: ctx.line });
  if (!out.ok) ctx.recentMap = { line: ctx.line, device: dev.key, asid, iova, len, unmapRefused: out.cause };
  // dev.lost is not pruned here: its readers skip records removed since the reset, and a walk of
  // every map live at the reset on each unmap would cost the size of the live set per event
}
