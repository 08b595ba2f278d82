// fastMatch.ts's walk on the bytes of a line instead of a string: the same formats (integers,
// pointers, characters; no %s, no floating point), the same answers, no string cut out of the
// line. Only for ASCII text (the caller checks): there a byte is a UTF-16 code unit, so offsets,
// lengths and %c values are the string walk's. Values are built only when asked for, and a u64
// is a BigInt as the string walk makes it (read from its digits past 2^53).
// test/trace/format/byteMatch.test.ts holds it to fastMatcher's answers on every fixture body.
import type { FieldValue } from '../types.js';
import { FastScan, type FastFormat } from './fastMatch.js';

export interface ByteMatcher {
  /** whether buf[start, end) is a body of this format */
  test(buf: Uint8Array, start: number, end: number): boolean;
  /** the fields when buf[start, end) matches, else undefined */
  match(buf: Uint8Array, start: number, end: number): Record<string, FieldValue> | undefined;
}

const MAX_DIGITS = 64;
const U64_MAX = 0xffffffffffffffffn;
const NIL = [40, 110, 105, 108, 41]; // "(nil)"

/** Digits buf[start, end) as text (only past 2^53, where a double is inexact). */
function digits(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/** A byte matcher for `f`, or undefined when a literal of the format is not ASCII. */
export function byteMatcher(f: FastFormat): ByteMatcher | undefined {
  const { scans, kinds, names, limits, padLeft, padRight } = f;
  if (f.lits.some((l) => /[\u0080-\uffff]/.test(l))) return undefined;
  const lits = f.lits.map((l) => Uint8Array.from(l, (c) => c.charCodeAt(0)));
  const n = scans.length;
  let val: FieldValue = 0;

  function has(buf: Uint8Array, p: number, end: number, lit: Uint8Array | readonly number[]): boolean {
    const m = lit.length;
    if (p + m > end) return false;
    for (let i = 0; i < m; i++) if (buf[p + i] !== lit[i]) return false;
    return true;
  }

  /** End of conversion k at p, or -1; the value in `val` when `build`. */
  function scan(buf: Uint8Array, p: number, end: number, k: number, build: boolean): number {
    const sc = scans[k];
    const kind = kinds[k];
    if (sc === FastScan.Char) {
      if (p >= end) return -1;
      if (build) val = buf[p];
      return p + 1;
    }
    const wl = padLeft[k];
    if (wl > 0) {
      const padEnd = Math.min(end, p + wl);
      while (p < padEnd && buf[p] === 32) p++;
    }
    let neg = false;
    let hex = false;
    let top = 57;
    if (sc === FastScan.SignedDec) {
      if (buf[p] === 45 && p < end) {
        neg = true;
        p++;
      }
    } else if (sc === FastScan.Hex) hex = true;
    else if (sc === FastScan.Oct) top = 55;
    else if (sc === FastScan.AltHex || sc === FastScan.Ptr) {
      if (p + 1 < end && buf[p] === 48 && (buf[p + 1] | 32) === 120) {
        p += 2;
        hex = true;
      } else if (sc === FastScan.Ptr && has(buf, p, end, NIL)) {
        if (build) val = kind === 'u64' ? 0n : kind === 'bool' ? false : 0;
        return p + 5;
      } else if (sc === FastScan.AltHex && p < end && buf[p] === 48) {
        if (build) val = kind === 'u64' ? 0n : kind === 'bool' ? false : 0;
        return p + 1;
      } else return -1;
    }
    const start = p;
    const digitEnd = Math.min(end, p + MAX_DIGITS);
    let num = 0;
    if (hex) {
      for (; p < digitEnd; p++) {
        const c = buf[p];
        if (c >= 48 && c <= 57) num = num * 16 + (c - 48);
        else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) num = num * 16 + ((c | 32) - 87);
        else break;
      }
    } else {
      const radix = top === 55 ? 8 : 10;
      for (; p < digitEnd; p++) {
        const c = buf[p];
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
        const text = digits(buf, start, p);
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
      const padEnd = Math.min(end, p + wr);
      while (p < padEnd && buf[p] === 32) p++;
    }
    return p;
  }

  function walk(buf: Uint8Array, start: number, end: number, out: Record<string, FieldValue> | undefined): boolean {
    const lead = lits[0];
    if (!has(buf, start, end, lead)) return false;
    let p = start + lead.length;
    const build = out !== undefined;
    for (let k = 0; k < n; k++) {
      p = scan(buf, p, end, k, build);
      if (p < 0) return false;
      if (out !== undefined) out[names[k]] = val;
      const next = lits[k + 1];
      if (next.length !== 0) {
        if (!has(buf, p, end, next)) return false;
        p += next.length;
      }
    }
    return p === end;
  }

  return {
    test: (buf, start, end) => walk(buf, start, end, undefined),
    match(buf, start, end) {
      const out: Record<string, FieldValue> = {};
      return walk(buf, start, end, out) ? out : undefined;
    },
  };
}
