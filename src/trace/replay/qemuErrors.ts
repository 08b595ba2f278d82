// QEMU error lines in the trace output ("failed to write, fd=… errno=…", "vhost vdpa map fail!")
// right after a dma_map: explain them with the map and what it collided with.
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';

const MAP_ERRORS = /failed to write, fd=\d+, errno=(\d+)|vhost vdpa map fail|DMA mapping failed|Can't allocate a mapping|Insertion to GPA->IOVA tree failed/;
/** how many lines after the map an error line still belongs to it */
const WINDOW = 4;

export function checkQemuError(ctx: ReplayContext, text: string): void {
  const m = MAP_ERRORS.exec(text);
  const map = ctx.recentMap;
  if (!m || !map || ctx.line - map.line > WINDOW) return;
  const errno = m[1] ? Number(m[1]) : undefined;
  const what = `dma_map of IOVA [${hex(map.iova)}, ${hex(map.iova + map.len - 1n)}] (ASID ${map.asid}) at line ${map.line} failed`;
  let why: string;
  if (map.collidedWith) {
    const c = map.collidedWith;
    why = `it overlaps the live map [${hex(c.start)}, ${hex(c.last)}]${c.owner ? ` of ${c.owner}` : ''} created at line ${c.line}; the kernel refuses overlapping updates (EEXIST)`;
  } else if (map.outOfRange) why = `the range is ${map.outOfRange}`;
  else if (errno === 12) why = 'the kernel could not pin or allocate memory (ENOMEM: check RLIMIT_MEMLOCK)';
  else if (errno === 14) why = 'the kernel has no address space for that ASID or could not access the message (EFAULT)';
  else why = 'no overlapping or out-of-range mapping explains it in this trace';
  ctx.diags.add({
    code: 'map-failed',
    severity: 'error',
    line: ctx.line,
    message: `${what}${errno !== undefined ? ` (errno ${errno})` : ''}: ${why}`,
    related: [{ line: map.line, message: 'the map that failed' }, ...(map.collidedWith ? [{ line: map.collidedWith.line, message: 'the map it collided with' }] : [])],
  });
  ctx.recentMap = undefined;
}
