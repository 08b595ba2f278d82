// Compares two IOTLBs of one address space as translations, not as entry lists: the model keeps
// one record per map, the kernel one entry per VMA chunk, so both are cut at every boundary
// either side has and each piece compared (same HVA for the same IOVA, same permission).
import { hex } from '../../src/model/u64.js';

export interface Translation {
  start: bigint;
  /** inclusive */
  last: bigint;
  /** undefined: the device holds memory QEMU no longer maps (only range and permission compare) */
  hva?: bigint;
  perm: number;
  /** what the model says the map is for (model side only) */
  owner?: string;
}

export interface Difference {
  start: bigint;
  last: bigint;
  model?: Translation;
  device?: Translation;
}

function covering(list: readonly Translation[], iova: bigint): Translation | undefined {
  return list.find((t) => t.start <= iova && iova <= t.last);
}

/** Pieces of IOVA space where the model and the device disagree, adjacent pieces merged. */
export function compareIotlb(model: readonly Translation[], device: readonly Translation[]): Difference[] {
  const cuts = new Set<bigint>();
  for (const t of [...model, ...device]) {
    cuts.add(t.start);
    cuts.add(t.last + 1n);
  }
  const points = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Difference[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i];
    const last = points[i + 1] - 1n;
    const m = covering(model, start);
    const d = covering(device, start);
    if (!m && !d) continue;
    const same = m && d && m.perm === d.perm && (d.hva === undefined || m.hva === undefined || m.hva + (start - m.start) === d.hva + (start - d.start));
    if (same) continue;
    const prev = out[out.length - 1];
    if (prev && prev.last + 1n === start && prev.model === m && prev.device === d) prev.last = last;
    else out.push({ start, last, model: m, device: d });
  }
  return out;
}

export function describeDifference(d: Difference): string {
  const side = (t: Translation | undefined, at: bigint): string =>
    t ? `${t.hva === undefined ? 'unmapped memory' : `HVA ${hex(t.hva + (at - t.start))}`} perm ${t.perm}${t.owner ? ` (${t.owner})` : ''}` : 'nothing';
  return `IOVA [${hex(d.start)}, ${hex(d.last)}]: model ${side(d.model, d.start)}, device ${side(d.device, d.start)}`;
}
