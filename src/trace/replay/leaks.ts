// leak-at-end: a device mapping still live when the trace ends although the listener section
// that created it is gone: nothing in QEMU will ever unmap it.
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';

export function reportLeaks(ctx: ReplayContext): void {
  const tl = ctx.timeline;
  for (const dev of ctx.vdpa.values()) {
    for (const t of dev.iotlbTables()) {
      for (const r of tl.allLive(t.id)) {
        if (r.source === undefined) continue;
        const section = tl.records[r.source];
        if (section.removedLine === undefined) continue;
        ctx.diags.add({
          code: 'leak-at-end',
          severity: 'warning',
          line: r.createdLine,
          message: `map IOVA [${hex(r.start)}, ${hex(r.last)}] (ASID ${t.asid ?? 0}) of ${r.owner ?? 'a section'} is still mapped at the end of the trace, although its section was deleted at line ${section.removedLine}: nothing will unmap it`,
          related: [
            { line: section.removedLine, message: `region_del of ${section.owner ?? 'its section'}` },
            { line: section.createdLine, message: 'region_add of the section' },
          ],
        });
      }
    }
  }
}
