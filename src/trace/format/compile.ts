// Turns an EventDef into a matcher for the text QEMU printed after the event name. The matcher
// walks the body once, comparing literal anchors with startsWith and scanning each conversion by
// hand: no regex, no per-field allocation besides the value itself. It runs once per trace line.
import type { EventDef, FieldValue } from '../types.js';
import { argKind, FormatError, parsePrintfFormat, type ArgKind, type Conversion } from './printfSpec.js';
import { FastScan, fastMatcher, type FastFormat } from './fastMatch.js';
import { LiteralMismatch } from './literalMismatch.js';

export type MatchResult =
  | { ok: true; fields: Record<string, FieldValue> }
  /** index: 0-based offset into the body where the text stopped matching */
  | { ok: false; index: number; reason: string };

export interface CompiledEvent {
  readonly def: EventDef;
  readonly argNames: readonly string[];
  readonly argKinds: readonly ArgKind[];
  match(body: string): MatchResult;
  /**
   * Same check as match() without building values: -1 when the body matches, else the 0-based
   * index where it stops matching (call match() for the reason). For lazy field parsing.
   */
  test(body: string): number;
  /** whether the body matches: test(body) < 0, often without the general matcher */
  accepts(body: string): boolean;
  /** match() by the general matcher alone: for a body known to fail, the column and reason */
  explain(body: string): MatchResult;
  /** accepts() on the body that starts at `start` in `text` (a line), without cutting it out */
  acceptsAt(text: string, start: number): boolean;
  /** match()'s fields for the body that starts at `start` in `text`, undefined when it fails */
  fieldsAt(text: string, start: number): Record<string, FieldValue> | undefined;
  /** the format as fastMatch.ts walks it (byteMatch.ts walks it on bytes); undefined for formats with %s or floats */
  readonly fastFormat: FastFormat | undefined;
}

export class EventDefError extends Error {
  constructor(readonly def: EventDef, reason: string) {
    super(`${def.source}: event ${def.name}: ${reason}`);
    this.name = 'EventDefError';
  }
}

const enum Scan { Hex, Dec, SignedDec, Ptr, AltHex, Oct, Str, Char, Float }

function scanKind(c: Conversion): Scan {
  switch (c.conv) {
    case 'x': case 'X': return c.flags.includes('#') ? Scan.AltHex : Scan.Hex;
    case 'd': case 'i': return Scan.SignedDec;
    case 'u': return Scan.Dec;
    case 'o': return Scan.Oct;
    case 'p': return Scan.Ptr;
    case 's': return Scan.Str;
    case 'c': return Scan.Char;
    default: return Scan.Float;
  }
}

/** Matching work allowed per character of the line and conversion of the format (see run()). */
const WORK_PER_CHAR = 8;
const WORK_SLACK = 4096;
const MAX_DIGITS = 64;
/** failWhy of a literal that did not match: its text is written only when reported */
const LITERAL = '\u0000literal';

const exact = (s: string, start: number, end: number, radix: number): bigint =>
  BigInt((radix === 16 ? '0x' : radix === 8 ? '0o' : '') + s.slice(start, end));

const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const hexVal = (c: number): number => (c <= 57 ? c - 48 : (c | 32) - 87);

/** Largest magnitude a C integer type can print (either signedness: a signed int may print as %x). */
function intLimit(type: string): number {
  const t = type.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').trim();
  if (/^(u?int8_t|(unsigned |signed )?char)$/.test(t)) return 0xff;
  if (/^(u?int16_t|(unsigned )?short( int)?)$/.test(t)) return 0xffff;
  if (/^(u?int32_t|unsigned|unsigned int|int)$/.test(t)) return 0xffffffff;
  if (t === 'bool') return 1;
  return Number.MAX_SAFE_INTEGER;
}

export interface CompileOptions {
  /**
   * Let fastMatch.ts answer for formats without strings or floats (default true). Off only to
   * hold the two matchers to the same answers in tests.
   */
  fastPath?: boolean;
}

/** Compile once per definition; throws EventDefError when format and arguments disagree. */
export function compileEvent(def: EventDef, opts: CompileOptions = {}): CompiledEvent {
  let spec;
  try {
    spec = parsePrintfFormat(def.format);
  } catch (e) {
    throw new EventDefError(def, e instanceof FormatError ? e.message : String(e));
  }
  const { lits, convs } = spec;
  if (convs.length !== def.args.length) {
    throw new EventDefError(def, `format has ${convs.length} conversions but the event has ${def.args.length} arguments`);
  }
  const n = convs.length;
  const names = def.args.map((a) => a.name);
  const kinds = def.args.map((a) => argKind(a.type));
  // QEMU cannot print a uint8_t as 0x1ff: such a line is malformed, not a value to trust
  const limits = def.args.map((a) => intLimit(a.type));
  const scans = convs.map(scanKind);
  const padLeft = convs.map((c) => c.width > 0 && !c.flags.includes('-') && !c.flags.includes('0'));
  const padRight = convs.map((c) => c.width > 0 && c.flags.includes('-'));
  const widths = convs.map((c) => c.width);
  const hasString = scans.includes(Scan.Str);
  for (let k = 0; k < n; k++) {
    if (kinds[k] === 'string' && scans[k] !== Scan.Str) {
      throw new EventDefError(def, `string argument '${names[k]}' printed with %${convs[k].conv}`);
    }
  }

  // Deepest failure seen: with several candidate string ends the furthest one explains best.
  let failAt = -1;
  let failWhy = '';
  const fail = (at: number, why: string): false => {
    if (at > failAt) {
      failAt = at;
      failWhy = why;
    }
    return false;
  };

  const literalMismatch = (s: string, p: number, lit: string): false => {
    let i = 0;
    while (i < lit.length && s.charCodeAt(p + i) === lit.charCodeAt(i)) i++;
    // the text of why is written only when match() reports this failure (see why())
    if (build && p + i > failAt) {
      litText = s;
      litLit = lit;
      litI = i;
      litAt = p + i;
    }
    return fail(p + i, LITERAL);
  };
  let litText = '';
  let litLit = '';
  let litI = 0;
  let litAt = 0;
  /** The failure match() reports; a literal's mismatch is put into words only when read. */
  const failure = (fallback: string): MatchResult =>
    failWhy === LITERAL ? new LiteralMismatch(failAt, litText, litAt, litLit.slice(litI)) : { ok: false, index: failAt, reason: failWhy || fallback };

  // Scanners leave the value here and return the end index (or -1); with build off they only
  // validate, which skips the BigInt allocations that dominate the cost.
  let val: FieldValue = 0;
  let build = true;
  function scanNumber(s: string, p: number, k: number): number {
    const kind = kinds[k];
    const scan = scans[k];
    const len = s.length;
    if (padLeft[k]) {
      // at most width - 1 spaces of padding (a long run of spaces is not a number)
      const padEnd = Math.min(len, p + widths[k]);
      while (p < padEnd && s.charCodeAt(p) === 32) p++;
    }
    let neg = false;
    let radix = 10;
    if (scan === Scan.SignedDec && s.charCodeAt(p) === 45) {
      neg = true;
      p++;
    } else if (scan === Scan.Hex) radix = 16;
    else if (scan === Scan.Oct) radix = 8;
    else if (scan === Scan.AltHex || scan === Scan.Ptr) {
      if (s.charCodeAt(p) === 48 && (s.charCodeAt(p + 1) | 32) === 120) {
        p += 2;
        radix = 16;
      } else if (scan === Scan.Ptr && s.startsWith('(nil)', p)) {
        val = kind === 'u64' ? 0n : kind === 'bool' ? false : 0;
        return p + 5;
      } else if (scan === Scan.AltHex && s.charCodeAt(p) === 48) {
        val = kind === 'u64' ? 0n : kind === 'bool' ? false : 0;
        return p + 1;
      } else {
        fail(p, scan === Scan.Ptr ? "expected a pointer ('0x…' or '(nil)')" : "expected '0x…'");
        return -1;
      }
    }
    const start = p;
    let num = 0;
    // no u64 needs more than 22 digits (octal); leading zeros aside, 64 is plenty
    const digitEnd = Math.min(len, p + MAX_DIGITS);
    if (radix === 16) {
      while (p < digitEnd) {
        const c = s.charCodeAt(p);
        if (!isHex(c)) break;
        num = num * 16 + hexVal(c);
        p++;
      }
    } else {
      const top = radix === 8 ? 55 : 57;
      while (p < digitEnd) {
        const c = s.charCodeAt(p);
        if (c < 48 || c > top) break;
        num = num * radix + (c - 48);
        p++;
      }
    }
    const digits = p - start;
    if (digits === 0) {
      fail(start, radix === 16 ? 'expected hex digits' : radix === 8 ? 'expected octal digits' : 'expected a decimal number');
      return -1;
    }
    if (kind === 'int' && num > limits[k]) {
      fail(start, `number does not fit in ${def.args[k].type.trim()}`);
      return -1;
    }
    if (!build) {
      // only numbers past 2^53 can be past 2^64; check those exactly (rare: all-ones limits)
      if (kind === 'u64' && num > Number.MAX_SAFE_INTEGER && exact(s, start, p, radix) > 0xffffffffffffffffn) {
        fail(start, 'number does not fit in 64 bits');
        return -1;
      }
    } else if (kind === 'u64') {
      let big: bigint;
      if (num <= Number.MAX_SAFE_INTEGER) big = BigInt(num);
      else {
        big = exact(s, start, p, radix);
        if (big > 0xffffffffffffffffn) {
          fail(start, 'number does not fit in 64 bits');
          return -1;
        }
      }
      val = neg ? -big : big;
    } else if (kind === 'bool') {
      val = num !== 0;
    } else {
      val = neg ? -num : num;
    }
    if (padRight[k]) {
      const padEnd = Math.min(len, p + widths[k]);
      while (p < padEnd && s.charCodeAt(p) === 32) p++;
    }
    return p;
  }

  function scanFloat(s: string, p: number): number {
    const m = /^\s*[-+]?(?:inf|nan|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)/i.exec(s.slice(p, p + 64));
    if (!m) {
      fail(p, 'expected a number');
      return -1;
    }
    val = Number(m[0].trim());
    return p + m[0].length;
  }

  // Work bound for one line. A string conversion followed by a literal may end at any place the
  // literal occurs, so several strings could try every split. Two facts keep it linear: if the
  // rest fails from string k starting at p it fails from any later start (its candidate ends
  // are a subset), so `failedFrom[k]` cuts every later attempt; and candidates are tried in
  // ascending order at every level. `steps` counts loop turns and characters searched; past
  // `budget` (a fixed multiple of the line length) the line is reported as too ambiguous.
  const failedFrom: number[] = new Array<number>(n).fill(0);
  let steps = 0;
  let budget = 0;
  let gaveUp = false;
  let spaceFrom = -1;
  let spaceTo = -1;
  const reset = (len: number): void => {
    for (let k = 0; k < n; k++) failedFrom[k] = Number.MAX_SAFE_INTEGER;
    steps = 0;
    budget = WORK_PER_CHAR * (len + 1) * (n + 1) + WORK_SLACK;
    gaveUp = false;
    spaceFrom = spaceTo = -1;
  };
  const search = (s: string, lit: string, from: number): number => {
    const at = s.indexOf(lit, from);
    steps += (at < 0 ? s.length : at) - from + 1;
    return at;
  };
  const giveUp = (at: number): false => {
    gaveUp = true;
    return fail(at, `the format is too ambiguous for this text (gave up after ${steps} steps)`);
  };

  function run(s: string, k: number, p: number, out: Record<string, FieldValue> | undefined): boolean {
    for (; k < n; k++) {
      if (gaveUp || ++steps > budget) return gaveUp ? false : giveUp(p);
      const scan = scans[k];
      const next = lits[k + 1];
      if (scan === Scan.Str) {
        if (k === n - 1) {
          // the last string owns everything up to the trailing literal
          const end = s.length - next.length;
          if (end < p || !s.endsWith(next)) return fail(Math.min(p, s.length), `expected text ending in ${JSON.stringify(next)}`);
          if (out) out[names[k]] = s.slice(p, end);
          return true;
        }
        if (next.length === 0) {
          // the string runs to the next space; the answer is shared by every start before it
          let e: number;
          if (p >= spaceFrom && p <= spaceTo) e = spaceTo;
          else {
            e = search(s, ' ', p);
            if (e < 0) e = s.length;
            spaceFrom = p;
            spaceTo = e;
          }
          if (out) out[names[k]] = s.slice(p, e);
          p = e;
          continue;
        }
        // try each place the following literal occurs; the first that lets the rest match wins
        const stop = failedFrom[k];
        if (p >= stop) return false;
        let at = search(s, next, p);
        if (at < 0) {
          failedFrom[k] = p;
          return fail(p, `expected ${JSON.stringify(next)} after a string`);
        }
        // (the field keeps its place in `out`; its text is cut only once the split has won)
        if (out) out[names[k]] = '';
        while (at >= 0 && at < stop) {
          if (run(s, k + 1, at + next.length, out)) {
            if (out) out[names[k]] = s.slice(p, at);
            return true;
          }
          if (gaveUp || ++steps > budget) return gaveUp ? false : giveUp(at);
          at = search(s, next, at + 1);
        }
        failedFrom[k] = p;
        return false;
      }
      let e: number;
      if (scan === Scan.Char) {
        if (p >= s.length) return fail(p, 'expected a character');
        val = s.charCodeAt(p);
        e = p + 1;
      } else if (scan === Scan.Float) e = scanFloat(s, p);
      else e = scanNumber(s, p, k);
      if (e < 0) return false;
      if (out) out[names[k]] = val;
      p = e;
      if (next.length !== 0) {
        if (!s.startsWith(next, p)) return literalMismatch(s, p, next);
        p += next.length;
      }
    }
    if (p !== s.length) return fail(p, `unexpected text after the last field: ${JSON.stringify(s.slice(p, p + 12))}`);
    return true;
  }
  const ff = opts.fastPath !== false && fastFormat(scans) ? { lits, scans: scans.map(toFast), kinds, names, limits, padLeft: widths.map((w, k) => (padLeft[k] ? w : 0)), padRight: widths.map((w, k) => (padRight[k] ? w : 0)) } : undefined;
  const fast = ff && fastMatcher(ff);
  const lead = lits[0];
  function test(body: string): number {
    if (fast !== undefined && fast.test(body)) return -1;
    failAt = -1;
    reset(body.length);
    if (lead.length !== 0 && !body.startsWith(lead)) {
      let i = 0;
      while (i < lead.length && body.charCodeAt(i) === lead.charCodeAt(i)) i++;
      return i;
    }
    build = false;
    const ok = run(body, 0, lead.length, undefined);
    build = true;
    return ok ? -1 : Math.max(failAt, 0);
  }

  function match(body: string): MatchResult {
    if (fast !== undefined) {
      const fields = fast.match(body);
      if (fields !== undefined) return { ok: true, fields };
    }
    return explain(body);
  }

  function explain(body: string): MatchResult {
    failAt = -1;
    failWhy = '';
    reset(body.length);
    build = true;
    if (lead.length !== 0 && !body.startsWith(lead)) {
      literalMismatch(body, 0, lead);
      return failure('');
    }
    const out: Record<string, FieldValue> = {};
    if (run(body, 0, lead.length, out)) return { ok: true, fields: out };
    if (!hasString && failAt < 0) failAt = 0;
    return failure('text does not match the format');
  }

  const acceptsAt = (text: string, start: number): boolean => (fast !== undefined ? fast.test(text, start) : test(text.slice(start)) < 0);
  const fieldsAt = (text: string, start: number): Record<string, FieldValue> | undefined => {
    if (fast !== undefined) return fast.match(text, start);
    const r = match(text.slice(start));
    return r.ok ? r.fields : undefined;
  };
  // data, not a closure: a closure more per definition costs megabytes in a 20,000-definition catalog
  return { def, argNames: names, argKinds: kinds, match, explain, test, accepts: (body) => acceptsAt(body, 0), acceptsAt, fieldsAt, fastFormat: ff };
}

/** Formats fastMatch.ts decides alone: no string and no floating-point conversion. */
const fastFormat = (scans: readonly Scan[]): boolean => scans.every((s) => s !== Scan.Str && s !== Scan.Float);
/** fastMatch.ts's name for each Scan, in Scan's order (Str and Float never reach it) */
const toFast = (s: Scan): FastScan => [FastScan.Hex, FastScan.Dec, FastScan.SignedDec, FastScan.Ptr, FastScan.AltHex, FastScan.Oct, FastScan.Char, FastScan.Char, FastScan.Char][s];
