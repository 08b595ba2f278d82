// Prints typed fields back through an event's format, the way QEMU's log backend would have
// printed them. Used for simpletrace records (which carry values, not text) so every record
// has a readable body, and by tests to produce lines from known values.
import type { EventDef, FieldValue } from '../types.js';
import { parsePrintfFormat, type Conversion, type FormatSpec } from './printfSpec.js';

const specCache = new WeakMap<EventDef, FormatSpec>();

function pad(text: string, c: Conversion): string {
  if (text.length >= c.width) return text;
  if (c.flags.includes('-')) return text.padEnd(c.width, ' ');
  if (c.flags.includes('0') && c.conv !== 's' && c.conv !== 'p') {
    const neg = text.startsWith('-');
    return (neg ? '-' : '') + text.slice(neg ? 1 : 0).padStart(c.width - (neg ? 1 : 0), '0');
  }
  return text.padStart(c.width, ' ');
}

/** Unsigned view of a value for %x/%u/%o: C reinterprets negatives in the conversion's width. */
function unsigned(v: bigint, c: Conversion): bigint {
  if (v >= 0n) return v;
  const bits = c.length === 'll' || c.length === 'l' || c.length === 'j' || c.length === 'z' ? 64 : 32;
  return BigInt.asUintN(bits, v);
}

function one(v: FieldValue | undefined, c: Conversion): string {
  if (v === undefined) return '?';
  if (c.conv === 's') return String(v);
  const n = typeof v === 'bigint' ? v : typeof v === 'boolean' ? (v ? 1n : 0n) : typeof v === 'number' ? BigInt(Math.trunc(v)) : 0n;
  switch (c.conv) {
    case 'p':
      return n === 0n ? '(nil)' : '0x' + unsigned(n, { ...c, length: 'll' }).toString(16);
    case 'x':
      return (c.flags.includes('#') && n !== 0n ? '0x' : '') + unsigned(n, c).toString(16);
    case 'X':
      return (c.flags.includes('#') && n !== 0n ? '0X' : '') + unsigned(n, c).toString(16).toUpperCase();
    case 'o':
      return unsigned(n, c).toString(8);
    case 'u':
      return unsigned(n, c).toString();
    case 'c':
      return String.fromCharCode(Number(n));
    case 'd':
    case 'i':
      return n.toString();
    default:
      return String(typeof v === 'number' ? v : Number(n));
  }
}

/** The body text QEMU would print for these values (missing fields print as '?'). */
export function renderEventBody(def: EventDef, fields: Readonly<Record<string, FieldValue>>): string {
  let spec = specCache.get(def);
  if (!spec) {
    spec = parsePrintfFormat(def.format);
    specCache.set(def, spec);
  }
  let out = spec.lits[0];
  for (let k = 0; k < spec.convs.length; k++) {
    const c = spec.convs[k];
    out += pad(one(fields[def.args[k]?.name ?? ''], c), c) + spec.lits[k + 1];
  }
  return out;
}
