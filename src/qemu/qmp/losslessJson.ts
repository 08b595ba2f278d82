// QMP's JSON with every integer exact. JSON.parse turns QEMU's u64 numbers (ring addresses,
// feature bitmaps, garbage descriptor addresses like 12055409292258155293) into doubles and
// loses the low bits; the `lossless-json` library keeps the digits, and safe integers stay
// `number` while larger ones become `bigint`.
import { isInteger, isSafeNumber, parse, stringify } from 'lossless-json';

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(reason: string) {
    super(`invalid JSON: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

const exactNumber = (text: string): number | bigint => (isInteger(text) && !isSafeNumber(text) ? BigInt(text) : Number(text));

/**
 * True when an integer of 16 digits or more appears outside strings: only then can a number
 * lose bits in JSON.parse (every integer below 10^15 is a safe integer).
 */
function mayHoldUnsafeInteger(text: string): boolean {
  let inString = false;
  let escaped = false;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 92 /* \ */) escaped = true;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      run = 0;
    } else if (c >= 48 && c <= 57) {
      if (++run >= 16) return true;
    } else run = 0;
  }
  return false;
}

export function parseJsonLossless(text: string): JsonValue {
  try {
    // the library parses character by character (seconds for a 16 MB `info mtree`); V8's own
    // parser is exact whenever no integer could pass 2^53, which is most QMP traffic
    if (!mayHoldUnsafeInteger(text)) return JSON.parse(text) as JsonValue;
    return parse(text, null, exactNumber) as JsonValue;
  } catch (e) {
    // RangeError too: a deeply nested value overflows the library's recursive descent
    throw new JsonSyntaxError(e instanceof Error ? e.message : String(e));
  }
}

/** JSON text with bigint written as a plain JSON integer (QEMU reads u64 arguments that way). */
export function stringifyJson(v: unknown): string {
  return stringify(v) ?? 'null';
}
