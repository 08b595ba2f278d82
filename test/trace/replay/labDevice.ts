// Comparing the vDPA lab's VDUSE device.log (test/lab/deviceLog.ts reads it) with the
// model's kernel IOTLB (engine.kernelIotlbAt) at the same moment.
import type { KernelIotlbEntryView } from '../../../src/trace/replay/kernelIotlbView.js';
import type { TraceEngine } from '../../../src/trace/replay/engine.js';
import { microseconds as us, type DeviceEntry } from '../../lab/deviceLog.js';

/** The last trace line whose "pid@sec.usec:" time is not after `timeUs`. */
export function traceLineAt(trace: string, timeUs: bigint): number {
  let line = 0;
  trace.split('\n').forEach((l, i) => {
    const m = /^\d+@(\d+\.\d+):/.exec(l);
    if (m && us(m[1]) <= timeUs) line = i + 1;
  });
  return line;
}

export interface Comparison {
  /** model live entries the device does not hold at all */
  missingOnDevice: KernelIotlbEntryView[];
  /** disagreements: perm, HVA, or device bytes the model holds neither live nor orphaned */
  mismatches: string[];
  /** orphaned model ranges the device still holds (confirmed) / no longer holds */
  orphansHeld: number;
  orphansGone: number;
}

const covered = (ranges: { iova: bigint; last: bigint }[], a: bigint, b: bigint): boolean => {
  let x = a;
  for (const r of [...ranges].sort((p, q) => (p.iova < q.iova ? -1 : 1))) {
    if (r.last < x || r.iova > x) continue;
    x = r.last + 1n;
    if (x > b) return true;
  }
  return x > b;
};

export function compare(engine: TraceEngine, line: number, device: DeviceEntry[]): Comparison {
  const view = engine.kernelIotlbAt(line).flatMap((v) => v.entries);
  const live = view.filter((e) => e.state === 'live');
  const orphans = view.filter((e) => e.state === 'orphaned');
  const res: Comparison = { missingOnDevice: [], mismatches: [], orphansHeld: 0, orphansGone: 0 };
  for (const e of live) {
    const hits = device.filter((d) => d.iova <= e.last && e.iova <= d.last);
    if (hits.length === 0) {
      res.missingOnDevice.push(e);
      continue;
    }
    if (!covered(hits, e.iova, e.last)) res.mismatches.push(`line ${line}: live map [${e.iova.toString(16)}, ${e.last.toString(16)}] only partly on the device`);
    for (const d of hits) {
      if (d.perm !== e.perm) res.mismatches.push(`line ${line}: perm of [${d.iova.toString(16)}] device ${d.perm} model ${e.perm}`);
      if (d.hva !== undefined && d.hva - d.iova !== e.uaddr - e.iova) res.mismatches.push(`line ${line}: HVA of [${d.iova.toString(16)}] device ${d.hva.toString(16)} model ${(e.uaddr + (d.iova - e.iova)).toString(16)}`);
    }
  }
  for (const d of device) if (!covered(view, d.iova, d.last)) res.mismatches.push(`line ${line}: device entry [${d.iova.toString(16)}, ${d.last.toString(16)}] is neither live nor orphaned in the model`);
  for (const o of orphans) {
    if (device.some((d) => d.iova <= o.last && o.iova <= d.last)) res.orphansHeld++;
    else res.orphansGone++;
  }
  return res;
}
