// Comparing the traced SVQ IOVAs with what QEMU's allocator gives in each layout. In auto mode a
// layout that the trace contradicts is dropped silently while another one still agrees; a
// divergence is reported when the chosen layout (or every layout) disagrees.
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';
import type { VdpaDevice, PendingAdd, PendingDel } from './vdpaDevice.js';
import type { AllocPredictor } from './allocPredictor.js';

export function checkPrediction(
  ctx: ReplayContext,
  dev: VdpaDevice,
  pending: PendingAdd | undefined,
  iova: bigint,
  uaddr: bigint,
  len: bigint,
  deviceReadOnly: boolean,
): void {
  const what = pending ? `the map of GPA [${hex(pending.gpa)}, ${hex(pending.llend - 1n)}]` : `the host-only map of HVA ${hex(uaddr)}`;
  const predictions = new Map<AllocPredictor, bigint | undefined>();
  for (const p of dev.activePredictors()) {
    predictions.set(p, pending ? pending.predicted.get(p.layout) : p.allocHostOnly(uaddr, len, deviceReadOnly));
  }
  judge(ctx, dev, what, iova, predictions, pending?.line);
  // Keep every tree holding what QEMU really holds, so later predictions stay meaningful.
  for (const [p, v] of predictions) {
    if (v !== iova && pending) p.forceGuest(iova, pending.gpa, pending.vaddr, len, pending.readonly);
  }
}

/**
 * A host-only map before SVQ mode is known: QEMU ≤ 10.0 maps the shadow vrings before the
 * listener registers, so they take the lowest IOVAs. Allocate them in every layout now (guest
 * memory must be predicted after them) and judge them once a guest-memory map shows SVQ is on.
 */
export function predictEarlyHostOnly(ctx: ReplayContext, dev: VdpaDevice, iova: bigint, uaddr: bigint, len: bigint, deviceReadOnly: boolean): void {
  const predicted = new Map<AllocPredictor, bigint | undefined>();
  for (const p of dev.activePredictors()) predicted.set(p, p.allocHostOnly(uaddr, len, deviceReadOnly));
  dev.earlyHostOnly.push({ line: ctx.line, iova, uaddr, predicted });
}

export function judgeEarlyHostOnly(ctx: ReplayContext, dev: VdpaDevice): void {
  for (const e of dev.earlyHostOnly) judge(ctx, dev, `the host-only map of HVA ${hex(e.uaddr)}`, e.iova, e.predicted, undefined, e.line);
  dev.earlyHostOnly = [];
}

export function judgeUnmapPrediction(ctx: ReplayContext, dev: VdpaDevice, del: PendingDel, iova: bigint): void {
  if (del.remaining !== del.last - del.gpa + 1n) return; // second half of a split unmap
  const predictions = new Map<AllocPredictor, bigint | undefined>();
  for (const p of dev.activePredictors()) if (del.predicted.has(p.layout)) predictions.set(p, del.predicted.get(p.layout));
  judge(ctx, dev, `the unmap for the region_del of GPA [${hex(del.gpa)}, ${hex(del.last)}]`, iova, predictions, del.line);
}

function judge(
  ctx: ReplayContext,
  dev: VdpaDevice,
  what: string,
  traced: bigint,
  predictions: Map<AllocPredictor, bigint | undefined>,
  relatedLine: number | undefined,
  line = ctx.line,
): void {
  if (predictions.size === 0) return;
  const agreeing = [...predictions].filter(([, v]) => v === traced).map(([p]) => p);
  if (ctx.options.layout === 'auto' && agreeing.length > 0) {
    for (const [p] of predictions) if (!agreeing.includes(p)) p.consistent = false;
    return;
  }
  for (const [p, v] of predictions) {
    if (v === traced) continue;
    if (ctx.options.layout === 'auto') {
      // every layout disagrees: report against the newest one and keep predicting with it
      if (p.layout !== 'current' && predictions.size > 1) continue;
    }
    const key = p.layout;
    if (dev.divergenceReported.has(key)) continue;
    dev.divergenceReported.add(key);
    ctx.diags.add({
      code: 'iova-divergence',
      severity: 'warning',
      line,
      message: `${what} uses IOVA ${hex(traced)}, but QEMU's allocator (${p.layout} layout) gives ${v === undefined ? 'no IOVA (allocation fails)' : hex(v)}: the trace does not follow the ${p.layout} VhostIOVATree (reported once per device)`,
      related: relatedLine ? [{ line: relatedLine, message: 'the listener event it answers' }] : [],
    });
  }
}
