// vhost-vdpa device control events: init (pointer aliases), IOVA range, batches, status, reset,
// vring addresses. A reset keeps vhost-vdpa's IOTLB; without IOTLB_PERSIST the parent may drop its
// device-side maps (§4.8).
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';
import { vdpaDevice } from './vdpaDevices.js';
import { type Fields, u64Field, numField, ptrField, optNumField } from './fields.js';

const VIRTIO_CONFIG_S_DRIVER_OK = 4;

export function onVdpaInit(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = ptrField(ev, f, 'dev');
  // QEMU ≥ 9.0 prints the shared struct as the second pointer; older QEMU the struct vhost_vdpa
  const shared = f['s'] !== undefined ? ptrField(ev, f, 's') : ptrField(ev, f, 'vdpa');
  ctx.vdpaAlias.set(dev, shared);
}

export function onIovaRange(ctx: ReplayContext, ev: string, f: Fields): void {
  const ptr = ptrField(ev, f, 'dev');
  const range = { first: u64Field(ev, f, 'first'), last: u64Field(ev, f, 'last'), line: ctx.line };
  const key = ctx.vdpaAlias.get(ptr) ?? ptr;
  ctx.pendingIovaRange.set(key, range);
  const dev = ctx.vdpa.get(key);
  if (dev) dev.iovaRange = range;
}

export function onBatchBegin(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'v', 'vdpa'), optNumField(f, 'fd'));
  dev.kernel.createAsid(0); // QEMU sends BATCH_BEGIN with ASID 0; the kernel creates it
  dev.inBatch = true;
  dev.batchLine = ctx.line;
}

export function onBatchCommit(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'v', 'vdpa'), optNumField(f, 'fd'));
  dev.inBatch = false;
  // the transaction is over: a region_del still waiting for its unmap will not get one, and a
  // "failed to write" from here on is the BATCH_END's, not the last map's
  dev.pendingDels.length = 0;
  ctx.recentMap = undefined;
}

/**
 * A reset never clears vhost-vdpa's own IOTLB (§4.8): every map stays, and a later UPDATE over
 * one QEMU never unmapped is refused. Without IOTLB_PERSIST the kernel also asks the parent to
 * drop its device-side maps, so until QEMU unmaps and maps again DMA there may fail.
 */
export function onResetDevice(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'dev'));
  dev.started = false;
  dev.resets.push(ctx.line);
  if (ctx.options.iotlbPersist) return;
  const tl = ctx.timeline;
  for (const t of dev.iotlbTables()) for (const r of tl.allLive(t.id)) dev.lost.push({ rec: r, resetLine: ctx.line });
}

export function onAddStatus(ctx: ReplayContext, ev: string, f: Fields): void {
  const status = numField(ev, f, 'status');
  if (!(status & VIRTIO_CONFIG_S_DRIVER_OK)) return;
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'dev'));
  deviceStarts(ctx, dev.key);
}

export function onDevStart(ctx: ReplayContext, ev: string, f: Fields): void {
  if (!optNumField(f, 'started')) return;
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'dev'));
  dev.started = true;
}

/** DRIVER_OK: any mapping lost at a reset and not mapped again is a device that will fault. */
function deviceStarts(ctx: ReplayContext, key: string): void {
  const dev = ctx.vdpa.get(key);
  if (!dev) return;
  dev.started = true;
  const stillLost = dev.lost.filter(({ rec }) => rec.removedLine === undefined);
  dev.lost = [];
  if (stillLost.length === 0) return;
  const first = stillLost[0];
  ctx.diags.add({
    code: 'reset-lost-maps',
    severity: 'error',
    line: ctx.line,
    message:
      `the device starts (DRIVER_OK) while ${stillLost.length} mapping(s) live at the reset on line ${first.resetLine} were never unmapped and mapped again, e.g. IOVA [${hex(first.rec.start)}, ${hex(first.rec.last)}] (${first.rec.owner ?? 'map'}, line ${first.rec.createdLine}). ` +
      `vhost-vdpa's IOTLB still holds them (a new map there is refused), but without VHOST_BACKEND_F_IOTLB_PERSIST the kernel asked the parent driver to drop its device-side maps at the reset (mlx5_vdpa and vdpa_sim do): DMA to these addresses may fail. QEMU must unmap and map again, or ack IOTLB_PERSIST.`,
    related: [
      { line: first.resetLine, message: 'device reset: the parent may drop its device-side maps here' },
      ...stillLost.slice(0, 8).map(({ rec }) => ({ line: rec.createdLine, message: `lost map IOVA [${hex(rec.start)}, ${hex(rec.last)}]` })),
    ],
  });
}

export function onSetVringAddr(ctx: ReplayContext, ev: string, f: Fields): void {
  const dev = vdpaDevice(ctx, ptrField(ev, f, 'dev'));
  const v = {
    line: ctx.line,
    device: dev.key,
    index: numField(ev, f, 'index'),
    desc: u64Field(ev, f, 'desc_user_addr'),
    used: u64Field(ev, f, 'used_user_addr'),
    avail: u64Field(ev, f, 'avail_user_addr'),
  };
  ctx.vrings.push(v);
  for (const [name, addr] of [['desc', v.desc], ['avail', v.avail], ['used', v.used]] as const) {
    const lost = dev.lost.find(({ rec }) => rec.removedLine === undefined && rec.start <= addr && addr <= rec.last);
    if (!lost) continue;
    ctx.diags.add({
      code: 'reset-lost-maps',
      severity: 'error',
      line: ctx.line,
      message: `vq ${v.index} ${name} ring at IOVA ${hex(addr)} lies in a mapping that was live at the reset on line ${lost.resetLine} and not mapped again since: without IOTLB_PERSIST the parent driver may have dropped its device-side translation (vhost-vdpa's IOTLB still holds it)`,
      related: [
        { line: lost.resetLine, message: 'device reset' },
        { line: lost.rec.createdLine, message: `lost map IOVA [${hex(lost.rec.start)}, ${hex(lost.rec.last)}]` },
      ],
    });
  }
}
