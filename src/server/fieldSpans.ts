// Where each argument of an event sits in the printed line. The reader only gives values, so
// the spans are found again by walking the event's format over the body: literal text must be
// where the format says, and each conversion covers the text up to the next literal.
import type { EventDef } from '../trace/types.js';
import { parsePrintfFormat, type FormatSpec } from '../trace/format/printfSpec.js';

/** 0-based offsets into the body, end exclusive. */
export interface BodySpan {
  name: string;
  start: number;
  end: number;
}

const specCache = new WeakMap<EventDef, FormatSpec | null>();

function specOf(def: EventDef): FormatSpec | null {
  let s = specCache.get(def);
  if (s === undefined) {
    try {
      s = parsePrintfFormat(def.format);
    } catch {
      // a user definition with a format we cannot parse: no spans, the line still works
      s = null;
    }
    specCache.set(def, s);
  }
  return s;
}

const HEX = /[0-9a-fA-Fx]/;
const DEC = /[0-9+-]/;

/** The end of a conversion's text starting at `p`, given the literal that follows it. */
function convEnd(body: string, p: number, conv: string, next: string, isLast: boolean): number {
  if (conv === 's' || conv === 'c') {
    if (next === '') return isLast ? body.length : p;
    const i = body.indexOf(next, p);
    return i < 0 ? body.length : i;
  }
  if (body.startsWith('(nil)', p)) return p + 5;
  const allowed = conv === 'd' || conv === 'i' || conv === 'u' ? DEC : conv === 'f' || conv === 'e' || conv === 'g' ? /[0-9.eE+-]/ : HEX;
  let e = p;
  while (e < body.length && allowed.test(body[e])) e++;
  // a literal starting with a hex digit right after a number ("0x%x" then "abc"): trust the literal
  if (next !== '' && !body.startsWith(next, e)) {
    const i = body.indexOf(next, p);
    if (i >= p && i < e) e = i;
  }
  return e;
}

/** Spans of every argument of `def` in `body` (arguments the walk cannot place are left out). */
export function bodySpans(def: EventDef, body: string): BodySpan[] {
  const spec = specOf(def);
  if (!spec) return [];
  const out: BodySpan[] = [];
  let p = 0;
  for (let k = 0; k < spec.convs.length; k++) {
    const lit = spec.lits[k];
    if (!body.startsWith(lit, p)) break;
    p += lit.length;
    // width padding with spaces is not part of the value
    while (body[p] === ' ' && spec.convs[k].width > 0) p++;
    const end = convEnd(body, p, spec.convs[k].conv, spec.lits[k + 1], k === spec.convs.length - 1);
    const name = def.args[k]?.name;
    // "0x" printed by the format belongs to the value the user points at
    const start = body.startsWith('0x', p - 2) && HEX.test(body[p] ?? '') ? p - 2 : p;
    if (name !== undefined && end > p) out.push({ name, start, end });
    p = end;
  }
  return out;
}
