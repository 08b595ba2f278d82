// The common case of format matching without the general machinery: formats whose conversions
// are all integers, pointers or characters (no %s, no floating point). Such a format has one
// way to match a line, so a straight walk decides it: no candidate ends, no work budget, no
// failure bookkeeping. The walk answers exactly as compile.ts's general matcher would (same
// accept/reject, same field values and order); it never explains a rejection: the caller asks
// the general matcher for the column and the reason. test/unit/fastMatch.test.ts holds the two
// to the same answers on every fixture and on fuzzed bodies.
import type { FieldValue } from '../types.js';
import type { ArgKind } from './printfSpec.js';

/** How one conversion is scanned (compile.ts's Scan, less the kinds this walk leaves alone). */
export const enum FastScan { Hex, Dec, SignedDec, Ptr, AltHex, Oct, Char }

export interface FastFormat {
  /** literal texts around the conversions: lits.length === scans.length + 1 */
  lits: readonly string[];
  scans: readonly FastScan[];
  kinds: readonly ArgKind[];
  names: readonly string[];
  /** largest magnitude an 'int' argument may print */
  limits: readonly number[];
  /** right-aligned field width (spaces before the number), 0 for none */
  padLeft: readonly number[];
  /** left-aligned field width (spaces after the number), 0 for none */
  padRight: readonly number[];
}

export interface FastMatcher {
  /** whether the body (the text from `start` to the end of `s`) matches the format */
  test(s: string, start?: number): boolean;
  /** the fields when the body matches, else undefined */
  match(s: string, start?: number): Record<string, FieldValue> | undefined;
}

const MAX_DIGITS = 64;
const U64_MAX = 0xffffffffffffffffn;

/** A matcher for `f`: exact for every body (see the file comment). */
export function fastMatcher(f: FastFormat): FastMatcher {
  const { lits, scans, kinds, names, limits, padLeft, padRight } = f;
  const n = scans.length;
  const lead = lits[0];
  // the value of the last conversion walked (only when `build`)
  let val: FieldValue = 0;

  /** End of conversion k starting at p, or -1. Leaves the value in `val` when `build`. */
  function scan(s: string, p: number, k: number, build: boolean): number {
    const len = s.length;
    const sc = scans[k];
    const kind = kinds[k];
    if (sc === FastScan.Char) {
      if (p >= len) return -1;
      if (build) val = s.charCodeAt(p);
      return p + 1;
    }
    const wl = padLeft[k];
    if (wl > 0) {
      const padEnd = Math.min(len, p + wl);
      while (p < padEnd && s.charCodeAt(p) === 32) p++;
    }
    let neg = false;
    let hex = false;
    let top = 57;
    if (sc === FastScan.SignedDec) {
      if (s.charCodeAt(p) === 45) {
        neg = true;
        p++;
      }
    } else if (sc === FastScan.Hex) hex = true;
    else if (sc === FastScan.Oct) top = 55;
    else if (sc === FastScan.AltHex || sc === FastScan.Ptr) {
      if (s.charCodeAt(p) === 48 && (s.charCodeAt(p + 1) | 32) === 120) {
        p += 2;
        hex = true;
      } else if (sc === FastScan.Ptr && s.startsWith('(nil)', p)) {
        if (build) val = kind === 'u64' ? 0n : kind === 'bool' ? false : 0;
        return p + 5;
      } else if (sc === FastScan.AltHex && s.charCodeAt(p) === 48) {
        if (build) val = kind === 'u64' ? 0n : kind === 'bool' ? false : 0;
        return p + 1;
      } else return -1;
    }
    const start = p;
    const digitEnd = Math.min(len, p + MAX_DIGITS);
    let num = 0;
    if (hex) {
      for (; p < digitEnd; p++) {
        const c = s.charCodeAt(p);
        if (c >= 48 && c <= 57) num = num * 16 + (c - 48);
        else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) num = num * 16 + ((c | 32) - 87);
        else break;
      }
    } else {
      const radix = top === 55 ? 8 : 10;
      for (; p < digitEnd; p++) {
        const c = s.charCodeAt(p);
        if (c < 48 || c > top) break;
        num = num * radix + (c - 48);
      }
    }
    if (p === start) return -1;
    if (kind === 'int') {
      if (num > limits[k]) return -1;
      if (build) val = neg ? -num : num;
    } else if (kind === 'u64') {
      if (num > Number.MAX_SAFE_INTEGER) {
        // past 2^53 the double is inexact: read the digits again as a BigInt
        const text = s.slice(start, p);
        const big = BigInt(hex ? '0x' + text : top === 55 ? '0o' + text : text);
        if (big > U64_MAX) return -1;
        if (build) val = neg ? -big : big;
      } else if (build) {
        const big = BigInt(num);
        val = neg ? -big : big;
      }
    } else if (build) val = num !== 0;
    const wr = padRight[k];
    if (wr > 0) {
      const padEnd = Math.min(len, p + wr);
      while (p < padEnd && s.charCodeAt(p) === 32) p++;
    }
    return p;
  }

  /** s has lit at p (a loop over char codes: startsWith on a sliced string costs more here) */
  function has(s: string, p: number, lit: string): boolean {
    const m = lit.length;
    if (p + m > s.length) return false;
    for (let i = 0; i < m; i++) if (s.charCodeAt(p + i) !== lit.charCodeAt(i)) return false;
    return true;
  }

  function walk(s: string, start: number, out: Record<string, FieldValue> | undefined): boolean {
    if (!has(s, start, lead)) return false;
    let p = start + lead.length;
    const build = out !== undefined;
    for (let k = 0; k < n; k++) {
      p = scan(s, p, k, build);
      if (p < 0) return false;
      if (out !== undefined) out[names[k]] = val;
      const next = lits[k + 1];
      if (next.length !== 0) {
        if (!has(s, p, next)) return false;
        p += next.length;
      }
    }
    return p === s.length;
  }

  return {
    // on the whole line from the body's start: walking a sliced string costs more
    test: (s, start = 0) => walk(s, start, undefined),
    match(s, start = 0) {
      const out: Record<string, FieldValue> = {};
      return walk(s, start, out) ? out : undefined;
    },
  };
}
