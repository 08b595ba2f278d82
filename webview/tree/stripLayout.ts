// Where each mapping and hole of an address-space strip goes, in strip units (0..STRIP_UNITS).
// Addresses are bigint to the end: a 64-bit span (2^64 bytes) does not fit a double, so the
// proportions are taken in bigint and only the final position becomes a number.
import type { SpaceStrip } from '../../src/shared/translationView.js';
import type { StripScale } from './state.js';

export const STRIP_UNITS = 1000;
/** the narrowest a mapping is drawn in linear scale, so a 4 KiB page in 4 GiB stays visible */
export const MIN_SEGMENT_UNITS = 2;

export interface StripPiece {
  kind: 'segment' | 'hole';
  start: bigint;
  /** inclusive */
  last: bigint;
  x: number;
  width: number;
  label?: string;
  nodeId?: string;
}

const PRECISION = 1000n;

/** floor(log2(len)) + 1: the weight of a piece in log scale (a 4 KiB page weighs 13, 2^64 weighs 65) */
export function log2Weight(len: bigint): number {
  return len <= 0n ? 0 : len.toString(2).length;
}

function units(offset: bigint, span: bigint): number {
  return Number((offset * BigInt(STRIP_UNITS) * PRECISION) / span) / Number(PRECISION);
}

/** Mappings in address order with the holes between them, positioned for the given scale. */
export function layoutStrip(strip: SpaceStrip, scale: StripScale, minUnits = MIN_SEGMENT_UNITS): StripPiece[] {
  const start = BigInt(strip.start);
  const last = BigInt(strip.last);
  const pieces: StripPiece[] = [];
  let cursor = start;
  const segs = strip.segments.map((s) => ({ ...s, a: BigInt(s.start), b: BigInt(s.last) })).sort((p, q) => (p.a < q.a ? -1 : p.a > q.a ? 1 : 0));
  let done = false;
  for (const s of segs) {
    if (s.a > cursor) pieces.push({ kind: 'hole', start: cursor, last: s.a - 1n, x: 0, width: 0 });
    pieces.push({ kind: 'segment', start: s.a, last: s.b, x: 0, width: 0, label: s.label, nodeId: s.nodeId });
    if (s.b >= last) done = true;
    else if (s.b + 1n > cursor) cursor = s.b + 1n;
  }
  if (!done && cursor <= last) pieces.push({ kind: 'hole', start: cursor, last, x: 0, width: 0 });
  const span = last - start + 1n;
  if (scale === 'linear') {
    for (const p of pieces) {
      p.x = units(p.start - start, span);
      p.width = units(p.last - p.start + 1n, span);
      if (p.kind === 'segment' && p.width < minUnits) p.width = minUnits;
      if (p.x + p.width > STRIP_UNITS) p.x = STRIP_UNITS - p.width;
    }
    return pieces;
  }
  // log scale: pieces side by side, each as wide as log2 of its size; overlapping segments
  // (aliases in one table) are laid out after one another
  const total = pieces.reduce((a, p) => a + log2Weight(p.last - p.start + 1n), 0);
  let x = 0;
  for (const p of pieces) {
    p.x = x;
    p.width = total === 0 ? 0 : (log2Weight(p.last - p.start + 1n) * STRIP_UNITS) / total;
    x += p.width;
  }
  return pieces;
}
