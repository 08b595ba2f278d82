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

export function parseJsonLossless(text: string): JsonValue {
  try {
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
