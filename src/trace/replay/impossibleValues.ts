// Values no QEMU can print, checked before an event reaches the replay handlers: an inverted
// range, a range that wraps past 2^64, an unmap of nothing. They come from a damaged or edited
// trace; fed to the model they would create mappings that cannot exist. Each is reported once,
// at the line and column of the offending value, and the event is not applied.
import type { FieldValue, TraceRecord } from '../types.js';
import type { ReplayContext } from './context.js';
import { U64_MAX, hex } from '../../model/u64.js';

type EventRecord = Extract<TraceRecord, { kind: 'event' }>;
type Fields = Record<string, FieldValue>;
type Check = (f: Fields) => { field: string; why: string } | undefined;

const big = (v: FieldValue | undefined): bigint | undefined => (typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : undefined);

/** start + count - 1 past 2^64 - 1 */
const wraps = (start: bigint, count: bigint): boolean => count > 0n && start + count - 1n > U64_MAX;

const checks: Record<string, Check> = {
  // QEMU returns before this trace point when iova >= llend (llend is exclusive here)
  vhost_vdpa_listener_region_add: (f) => {
    const iova = big(f.iova);
    const llend = big(f.llend);
    if (iova === undefined || llend === undefined || llend > iova) return undefined;
    return { field: 'llend', why: `llend ${hex(llend)} is not above iova ${hex(iova)}: QEMU skips empty sections before this trace point` };
  },
  // region_del prints llend - 1 (inclusive), after the same iova >= llend check
  vhost_vdpa_listener_region_del: (f) => {
    const iova = big(f.iova);
    const last = big(f.llend);
    if (iova === undefined || last === undefined || last >= iova) return undefined;
    return { field: 'llend', why: `last byte ${hex(last)} is below iova ${hex(iova)}` };
  },
  vhost_vdpa_get_iova_range: (f) => {
    const first = big(f.first);
    const last = big(f.last);
    if (first === undefined || last === undefined || first <= last) return undefined;
    return { field: 'last', why: `the usable IOVA range is inverted: first ${hex(first)} > last ${hex(last)}` };
  },
  vhost_vdpa_dma_map: (f) => {
    const iova = big(f.iova);
    const size = big(f.size);
    const uaddr = big(f.uaddr);
    if (size === undefined) return undefined;
    if (uaddr !== undefined && wraps(uaddr, size)) return { field: 'size', why: `uaddr ${hex(uaddr)} + size ${hex(size)} wraps past 2^64` };
    if (iova !== undefined && wraps(iova, size)) return { field: 'size', why: `iova ${hex(iova)} + size ${hex(size)} wraps past 2^64` };
    return undefined;
  },
  vhost_vdpa_dma_unmap: (f) => {
    const iova = big(f.iova);
    const size = big(f.size);
    if (size === 0n) return { field: 'size', why: 'an unmap of size 0 removes nothing; QEMU never sends one' };
    if (iova !== undefined && size !== undefined && wraps(iova, size)) return { field: 'size', why: `iova ${hex(iova)} + size ${hex(size)} wraps past 2^64` };
    return undefined;
  },
  virtio_iommu_map: (f) => inverted(f, 'virt_start', 'virt_end'),
  virtio_iommu_unmap: (f) => inverted(f, 'virt_start', 'virt_end'),
};

function inverted(f: Fields, startName: string, endName: string): { field: string; why: string } | undefined {
  const start = big(f[startName]);
  const end = big(f[endName]);
  if (start === undefined || end === undefined || end >= start) return undefined;
  return { field: endName, why: `${endName} ${hex(end)} is below ${startName} ${hex(start)}` };
}

/** 1-based column of a field's value in the line: after its label in the body, when found. */
function columnOf(rec: EventRecord, field: string): number | undefined {
  const at = rec.body.indexOf(field);
  if (at < 0) return undefined;
  let p = at + field.length;
  // skip the label's punctuation up to the value ("llend 0x…", "size: 0x…", "virt_end=0x…")
  while (p < rec.body.length && (rec.body[p] === ' ' || rec.body[p] === ':' || rec.body[p] === '=')) p++;
  const bodyStart = (rec.prefix ? rec.prefix.text.length : 0) + rec.name.length + 1;
  return bodyStart + p + 1;
}

/** Whether the event carries a value QEMU cannot print (plausibleEvent reports it, with its column). */
export function implausible(name: string, fields: Fields): boolean {
  const check = checks[name];
  return check !== undefined && check(fields) !== undefined;
}

/** False (and a diagnostic) when the event carries a value QEMU cannot print; true otherwise. */
export function plausibleEvent(ctx: ReplayContext, rec: EventRecord, fields: Fields): boolean {
  const check = checks[rec.name];
  const bad = check?.(fields);
  if (!bad) return true;
  ctx.diags.add({
    code: 'impossible-value',
    severity: 'error',
    line: rec.line,
    column: columnOf(rec, bad.field),
    message: `${rec.name}: ${bad.why}; the event is not replayed (a damaged or edited trace?)`,
  });
  return false;
}
