// QEMU's error_report lines ("failed to write, fd=… errno=…", "vhost vdpa map fail!") right after
// a dma_map — interleaved in the trace, or merged from QEMU's stderr / libvirt log by time
// (--qemu-log): they settle the map's outcome, and are explained from the kernel model's state.
// errno 14 is what QEMU reads for EVERY refused IOTLB message, so it is never the explanation.
import { hex } from '../../model/u64.js';
import { explainRefusal, type RefusalCause } from '../../model/iotlb/kernelIotlb.js';
import type { ReplayContext } from './context.js';
import type { RelatedLine } from './diagnostics.js';
import type { RecEntry } from './vdpaKernelStore.js';
import { settlePendingMap, survivedReset } from './vdpaMapOutcome.js';

const MAP_ERRORS = /failed to write, fd=\d+, errno=(\d+)|vhost vdpa map fail|DMA mapping failed|Can't allocate a mapping|Insertion to GPA->IOVA tree failed|Cannot map region to device/;
/** an error_report line of QEMU (optionally behind its -msg timestamp=on time) */
const QEMU_REPORT = /^(?:\d{4}-\d\d-\d\dT[\d:.]+Z )?qemu-system-[\w-]+: /;
/** how many lines after the map an error line still belongs to it */
const WINDOW = 4;

/** `where` names a line of a merged QEMU log ("qemu-stderr.log:12"); the trace line is ctx.line. */
export function checkQemuError(ctx: ReplayContext, text: string, where?: string): void {
  const m = MAP_ERRORS.exec(text);
  if (m || QEMU_REPORT.test(text)) ctx.errorStreamSeen = true;
  const map = ctx.recentMap;
  if (!m || !map || ctx.line - map.line > WINDOW) return;
  const errno = m[1] ? Number(m[1]) : undefined;
  const asid = `ASID ${map.asid}`;
  const dev = ctx.vdpa.get(map.device);
  const place = `${asid} of vdpa ${map.device}`;
  const range = `[${hex(map.iova)}, ${hex(map.iova + map.len - 1n)}]`;
  const errnoText = errno === undefined ? '' : errno === 14 ? ' (errno 14: QEMU reads EFAULT for every refused IOTLB message, whatever the kernel\'s reason)' : ` (errno ${errno})`;
  const from = where ? ` [${where}]` : '';
  let what: string;
  let cause: RefusalCause<RecEntry>;
  let confirmed = '';
  if (map.unmapRefused) {
    what = `dma_unmap of IOVA ${range} (${asid}) at line ${map.line} failed`;
    cause = map.unmapRefused;
  } else {
    what = `dma_map of IOVA ${range} (${asid}) at line ${map.line} failed`;
    if (map.refused) cause = map.refused;
    else if (map.pending && ctx.pendingMap === map.pending) {
      const v = map.pending.verdict;
      cause = v.kind === 'uncertain' ? { kind: 'overlap', live: [], orphaned: v.orphaned } : { kind: 'unknown' };
      if (v.kind === 'uncertain') confirmed = ': that part is still mapped, as this refusal shows';
      settlePendingMap(ctx, true);
    } else cause = { kind: 'unknown' };
  }
  const tail = map.unmapRefused ? '' : `. The map does not exist${dev?.svq ? '; QEMU drops the IOVA it had allocated for it (its allocator hands that hole out again)' : ''}`;
  ctx.diags.add({
    code: 'map-failed',
    severity: 'error',
    line: ctx.line,
    message: `${what}${errnoText}${from}: ${explainRefusal(cause, place)}${confirmed}${tail}`,
    related: relatedOf(map.line, cause, dev),
  });
  ctx.recentMap = undefined;
}

function relatedOf(line: number, cause: RefusalCause<RecEntry>, dev: Parameters<typeof survivedReset>[0] | undefined): RelatedLine[] {
  const out: RelatedLine[] = [{ line, message: 'the message the kernel refused' }];
  if (cause.kind !== 'overlap') return out;
  for (const e of cause.live) {
    out.push({ line: e.rec.createdLine, message: `the live map [${hex(e.iova)}, ${hex(e.last)}] it collided with` });
    const r = dev && survivedReset(dev, e.rec);
    if (r !== undefined) out.push({ line: r, message: 'the device reset it survived' });
  }
  for (const e of cause.orphaned) {
    if (e.createdLine !== undefined) out.push({ line: e.createdLine, message: `the map whose orphaned rest [${hex(e.iova)}, ${hex(e.last)}] it collided with` });
    if (e.cutLine !== undefined) out.push({ line: e.cutLine, message: 'the unmap that cut that map' });
  }
  return out;
}
