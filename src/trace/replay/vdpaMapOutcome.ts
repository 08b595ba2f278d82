// What follows a dma_map once its outcome is known. Accepted: the kernel model adds the entry
// (and learns which orphaned rest was gone). Refused: the kernel is left as it was, and QEMU drops
// the IOVA node it had allocated (the allocator reuses that hole), so the SVQ allocator
// predictions drop it too: no false overlap or divergence follows a refused map.
import { hex } from '../../model/u64.js';
import { commitUpdate, describeEntry } from '../../model/iotlb/kernelIotlb.js';
import type { ReplayContext, PendingMap } from './context.js';
import type { MapRecord } from './timeline.js';
import type { VdpaDevice, PendingAdd } from './vdpaDevice.js';
import { judgeEarlyHostOnly } from './vdpaPrediction.js';

/** Settle the map waiting for its outcome; `refused` when QEMU's error line says so. */
export function settlePendingMap(ctx: ReplayContext, refused: boolean): PendingMap | undefined {
  const p = ctx.pendingMap;
  if (!p) return undefined;
  ctx.pendingMap = undefined;
  if (ctx.recentMap?.pending === p && !refused) ctx.recentMap = undefined;
  const store = p.dev.kernel;
  if (refused) {
    commitUpdate(store, p.msg, true);
    rollBackQemu(p.dev, p);
    return p;
  }
  store.liveLabel = { ...(p.owner === undefined ? {} : { owner: p.owner }), ...(p.source === undefined ? {} : { source: p.source }) };
  commitUpdate(store, p.msg, false);
  store.liveLabel = {};
  if (p.verdict.kind === 'uncertain' && !ctx.options.qemuLog && !ctx.errorStreamSeen) {
    const o = p.verdict.orphaned;
    const last = p.msg.iova + p.msg.size - 1n;
    ctx.diags.add({
      code: 'map-over-orphan',
      severity: 'warning',
      line: p.msg.line!,
      message:
        `dma_map IOVA [${hex(p.msg.iova)}, ${hex(last)}] (ASID ${p.msg.asid}) overlaps ${o.map(describeEntry).join(', ')}: ` +
        `the kernel refuses it if that part is still mapped, and QEMU then logs "failed to write … errno=14" right after this map. ` +
        `This input has no QEMU error output (give it with --qemu-log FILE), so the map is taken as accepted.`,
      related: o.flatMap((e) => [
        ...(e.createdLine === undefined ? [] : [{ line: e.createdLine, message: `the map [${hex(e.from?.iova ?? e.iova)}, ${hex(e.from?.last ?? e.last)}] this rest belongs to` }]),
        ...(e.cutLine === undefined ? [] : [{ line: e.cutLine, message: 'the unmap that cut it' }]),
      ]),
    });
  }
  return p;
}

/** QEMU's side of a refused map: the IOVA it allocated for it is free again. */
export function rollBackQemu(dev: VdpaDevice, p: { msg: { iova: bigint; size: bigint }; section?: PendingAdd }): void {
  if (dev.svq === false) return; // IOVA = GPA: QEMU keeps no IOVA tree
  for (const pr of dev.predictors) {
    if (p.section) pr.mapRefused(p.section.gpa, p.section.vaddr, p.msg.size);
    else pr.hostOnlyUnmap(p.msg.iova, p.msg.size);
  }
  if (!p.section) dev.earlyHostOnly = dev.earlyHostOnly.filter((e) => e.iova !== p.msg.iova);
}

/** The latest device reset after which `rec` was still live (it survived that reset). */
export function survivedReset(dev: VdpaDevice, rec: MapRecord): number | undefined {
  for (let i = dev.resets.length - 1; i >= 0; i--) if (dev.resets[i] > rec.createdLine) return dev.resets[i];
  return undefined;
}

export function noteSvqMode(ctx: ReplayContext, dev: VdpaDevice, p: PendingAdd, iova: bigint): void {
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
