// vhost (kernel backend) device IOTLB with a vIOMMU (qemu-semantics §5.3): the backend misses,
// QEMU translates through the vIOMMU (a vtd_dmar_translate line between the two miss steps)
// and answers with an UPDATE QEMU does not trace, computed by the model's rule (planMissUpdate in
// src/model/iotlb/iotlbMiss.ts, the same the live model uses).
// Guest invalidations become INVALIDATE messages that drop every overlapping entry whole.
import type { ReplayContext } from './context.js';
import type { TableInfo } from './timeline.js';
import { planMissUpdate } from '../../model/iotlb/iotlbMiss.js';

interface PendingMiss {
  dev: string;
  line: number;
  translation?: { pageStart: bigint; mask: bigint; gpa: bigint; device: string; line: number };
}

const pending = new WeakMap<ReplayContext, PendingMiss[]>();

function table(ctx: ReplayContext, dev: string): TableInfo {
  return ctx.timeline.table(`device-iotlb ${dev}`, () => ({
    kind: 'device-iotlb',
    label: `vhost device IOTLB ${dev}`,
    keySpace: 'giova',
    targetSpace: 'hva',
    owner: dev,
  }));
}

export function missStarted(ctx: ReplayContext, dev: string): void {
  const list = pending.get(ctx) ?? [];
  pending.set(ctx, list);
  list.push({ dev, line: ctx.line });
}

/** A vtd_dmar_translate while a miss is open is QEMU answering that miss. */
export function translationSeen(ctx: ReplayContext, device: string, pageStart: bigint, mask: bigint, gpa: bigint): void {
  const open = pending.get(ctx)?.find((m) => !m.translation);
  if (open) open.translation = { pageStart, mask, gpa, device, line: ctx.line };
}

export function missAnswered(ctx: ReplayContext, dev: string): void {
  const list = pending.get(ctx);
  const i = list?.findIndex((m) => m.dev === dev) ?? -1;
  if (!list || i < 0) return;
  const [miss] = list.splice(i, 1);
  const t = miss.translation;
  if (!t) return;
  // QEMU's answer (the model's rule): the vhost memory table maps the page's GPA to its HVA
  const tl = ctx.timeline;
  const plan = planMissUpdate({ giova: t.pageStart, pageMask: t.mask, gpa: t.gpa }, (gpa) => {
    const r = tl.tables
      .filter((x) => x.kind === 'mem-table' || x.kind === 'section')
      .map((x) => tl.overlapping(x.id, gpa, gpa)[0])
      .find((rec) => rec !== undefined);
    return r && { guestPhysAddr: r.start, memorySize: r.last - r.start + 1n, userspaceAddr: r.target };
  });
  if (!plan.ok) return;
  const u = plan.update;
  const last = u.iova + u.size - 1n;
  const tab = table(ctx, dev);
  for (const old of tl.overlapping(tab.id, u.iova, last)) tl.remove(old, ctx.line, 'replaced by UPDATE');
  tl.add({ table: tab.id, start: u.iova, last, target: u.uaddr, perm: u.perm, createdLine: ctx.line, owner: `device IOTLB entry (miss at line ${miss.line}, translated at line ${t.line})` });
}

/** A guest invalidation reaches every vhost device IOTLB as an INVALIDATE; `why` as Timeline.remove takes it. */
export function invalidateDeviceIotlbs(ctx: ReplayContext, start: bigint | undefined, last: bigint | undefined, why: string | number): void {
  const tl = ctx.timeline;
  for (const t of tl.tables) {
    if (t.kind !== 'device-iotlb') continue;
    const hit = start !== undefined && last !== undefined ? tl.overlapping(t.id, start, last) : tl.allLive(t.id);
    for (const r of hit) tl.remove(r, ctx.line, why);
  }
}
