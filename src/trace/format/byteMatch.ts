// fastMatch.ts's walk on the bytes of a line instead of a string: the same formats (integers,
// pointers, characters; no %s, no floating point), the same answers, no string cut out of the
// line. Only for ASCII text (the caller checks): there a byte is a UTF-16 code unit, so offsets,
// lengths and %c values are the string walk's. Values are built only when asked for, and a u64
// is a BigInt as the string walk makes it (read from its digits past 2^53).
//
// Each format gets its own straight-line code, generated once when the catalog is built: the
// literals are unrolled into byte compares and each conversion's scan is specialised to its
// kind, so a line is walked without looking anything up. The generated source holds only
// numbers and JSON-quoted field names (a trace-events file cannot inject code).
// test/trace/read/byteEvents.test.ts holds it to the string path's answers on every fixture line.
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

/** Digits buf[start, end) as text (only past 2^53, where a double is inexact). */
function digits(buf: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}

/** `p` is at `lit` (bytes): compare them all, then step over it; else the walk fails. */
function literal(lit: string): string {
  if (lit.length === 0) return '';
  const tests = [...lit].map((ch, i) => `b[p + ${i}] !== ${ch.charCodeAt(0)}`);
  return `if (p + ${lit.length} > end || ${tests.join(' || ')}) return F;\np += ${lit.length};\n`;
}

/** The code of conversion k: leaves its value in v{k} when `build`. */
function conversion(f: FastFormat, k: number, build: boolean): string {
  const sc = f.scans[k];
  const kind = f.kinds[k];
  const v = `v${k}`;
  if (sc === FastScan.Char) return `if (p >= end) return F;\n${build ? `${v} = b[p];\n` : ''}p++;\n`;
  const zero = kind === 'u64' ? '0n' : kind === 'bool' ? 'false' : '0';
  let code = `c${k}: {\n`;
  if (f.padLeft[k] > 0) code += `{ const pe = Math.min(end, p + ${f.padLeft[k]}); while (p < pe && b[p] === 32) p++; }\n`;
  code += 'let neg = false;\n';
  let radix = 10;
  if (sc === FastScan.SignedDec) code += 'if (p < end && b[p] === 45) { neg = true; p++; }\n';
  else if (sc === FastScan.Hex) radix = 16;
  else if (sc === FastScan.Oct) radix = 8;
  else if (sc === FastScan.AltHex || sc === FastScan.Ptr) {
    radix = 16;
    code += 'if (p + 1 < end && b[p] === 48 && (b[p + 1] | 32) === 120) p += 2;\n';
    if (sc === FastScan.Ptr) code += `else if (p + 5 <= end && b[p] === 40 && b[p + 1] === 110 && b[p + 2] === 105 && b[p + 3] === 108 && b[p + 4] === 41) { ${build ? `${v} = ${zero}; ` : ''}p += 5; break c${k}; }\n`;
    else code += `else if (p < end && b[p] === 48) { ${build ? `${v} = ${zero}; ` : ''}p += 1; break c${k}; }\n`;
    code += 'else return F;\n';
  }
  code += `const s = p;\nconst de = Math.min(end, p + ${MAX_DIGITS});\nlet num = 0;\n`;
  if (radix === 16) {
    code += 'for (; p < de; p++) { const c = b[p]; if (c >= 48 && c <= 57) num = num * 16 + (c - 48); else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) num = num * 16 + ((c | 32) - 87); else break; }\n';
  } else {
    code += `for (; p < de; p++) { const c = b[p]; if (c < 48 || c > ${radix === 8 ? 55 : 57}) break; num = num * ${radix} + (c - 48); }\n`;
  }
  code += 'if (p === s) return F;\n';
  if (kind === 'int') {
    code += `if (num > ${f.limits[k]}) return F;\n`;
    if (build) code += `${v} = neg ? -num : num;\n`;
  } else if (kind === 'u64') {
    const prefix = radix === 16 ? "'0x'" : radix === 8 ? "'0o'" : "''";
    code += `if (num > ${Number.MAX_SAFE_INTEGER}) { const big = BigInt(${prefix} + digits(b, s, p)); if (big > U64_MAX) return F;${build ? ` ${v} = neg ? -big : big;` : ''} }\n`;
    if (build) code += `else { const big = BigInt(num); ${v} = neg ? -big : big; }\n`;
  } else if (build) code += `${v} = num !== 0;\n`;
  if (f.padRight[k] > 0) code += `{ const pe = Math.min(end, p + ${f.padRight[k]}); while (p < pe && b[p] === 32) p++; }\n`;
  return code + '}\n';
}

/** The source of one walk: `build` makes and returns the fields, else it returns true/false. */
function walkSource(f: FastFormat, build: boolean): string {
  const n = f.scans.length;
  let code = `let p = start;\n`;
  if (build && n > 0) code += `let ${f.names.map((_, k) => `v${k}`).join(', ')};\n`;
  code += literal(f.lits[0]);
  for (let k = 0; k < n; k++) code += conversion(f, k, build) + literal(f.lits[k + 1]);
  if (!build) return code + 'return p === end;\n';
  const fields = f.names.map((name, k) => `${JSON.stringify(name)}: v${k}`).join(', ');
  return code + `if (p !== end) return F;\nreturn { ${fields} };\n`;
}

type Walk<T> = (b: Uint8Array, start: number, end: number) => T;

function generate<T>(source: string, failed: 'false' | 'undefined'): Walk<T> {
  // generated from the format's numbers and JSON-quoted names only (see the file comment)
  const make = new Function('digits', 'U64_MAX', `'use strict';\nconst F = ${failed};\nreturn function walk(b, start, end) {\n${source}};`) as (d: typeof digits, max: bigint) => Walk<T>;
  return make(digits, U64_MAX);
}

const made = new WeakMap<FastFormat, ByteMatcher | false>();

/** byteMatcher(f), made once per format (every reader of one catalog shares it). */
export function byteMatcherFor(f: FastFormat): ByteMatcher | undefined {
  let m = made.get(f);
  if (m === undefined) made.set(f, (m = byteMatcher(f) ?? false));
  return m === false ? undefined : m;
}

/**
 * A byte matcher for `f`, or undefined when a literal of the format is not ASCII. Each walk is
 * generated on its first call: a catalog has hundreds of formats, a trace uses a few.
 */
export function byteMatcher(f: FastFormat): ByteMatcher | undefined {
  if (f.lits.some((l) => /[\u0080-\uffff]/.test(l))) return undefined;
  let test: Walk<boolean> | undefined;
  let match: Walk<Record<string, FieldValue> | undefined> | undefined;
  return {
    test: (b, start, end) => (test ??= generate(walkSource(f, false), 'false'))(b, start, end),
    match: (b, start, end) => (match ??= generate(walkSource(f, true), 'undefined'))(b, start, end),
  };
}
