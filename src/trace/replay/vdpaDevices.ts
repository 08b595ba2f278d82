// Finding (or creating) the vDPA device a trace line talks about.
import type { ReplayContext } from './context.js';
import { VdpaDevice } from './vdpaDevice.js';
import { makePredictors } from './predictors.js';

export function vdpaDevice(ctx: ReplayContext, ptr: string): VdpaDevice {
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
