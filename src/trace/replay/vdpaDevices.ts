// Finding (or creating) the vDPA device a trace line talks about.
import type { ReplayContext } from './context.js';
import { VdpaDevice } from './vdpaDevice.js';
import { makePredictors } from './predictors.js';

/**
 * The kernel IOTLB belongs to the vhost-vdpa file descriptor. Before QEMU 9.0 every queue pair
 * printed its own struct vhost_vdpa pointer (SVQ rings of pair 1 under another pointer than the
 * listener's maps), so events that print an fd join the device that already owns that fd.
 */
export function vdpaDevice(ctx: ReplayContext, ptr: string, fd?: number): VdpaDevice {
  if (fd !== undefined && !ctx.vdpaAlias.has(ptr)) {
    const owner = ctx.vdpaByFd.get(fd);
    if (owner === undefined) ctx.vdpaByFd.set(fd, ctx.vdpaAlias.get(ptr) ?? ptr);
    // a pointer that already has state of its own stays separate rather than lose that state
    else if (owner !== ptr && !ctx.vdpa.has(ptr)) ctx.vdpaAlias.set(ptr, owner);
  }
  const key = ctx.vdpaAlias.get(ptr) ?? ptr;
  let dev = ctx.vdpa.get(key);
  if (!dev) {
    dev = new VdpaDevice(ctx, key);
    const range = ctx.pendingIovaRange.get(key) ?? [...ctx.pendingIovaRange.values()].at(-1);
    dev.iovaRange = range;
    dev.predictors = makePredictors(ctx.options, range);
    ctx.vdpa.set(key, dev);
  }
  return dev;
}
