// Reading QMP answers member by member. QEMU may add members in any version (ignored here);
// a missing or mistyped member we rely on is an error naming the command and the member.
import type { JsonValue } from '../qmp/losslessJson.js';
import { U64_MAX } from '../../model/u64.js';

export type JsonObject = { [k: string]: JsonValue };

export class QmpShapeError extends Error {
  constructor(readonly what: string, readonly member: string, expected: string, got: JsonValue | undefined) {
    super(`${what}: member "${member}" should be ${expected}, got ${got === undefined ? 'nothing' : describe(got)}`);
    this.name = 'QmpShapeError';
  }
}

const describe = (v: JsonValue): string => {
  const s = typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
};

export const isObject = (v: JsonValue | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';

export class Shape {
  constructor(readonly what: string, readonly obj: JsonObject) {}

  static of(what: string, v: JsonValue | undefined): Shape {
    if (!isObject(v)) throw new QmpShapeError(what, '(answer)', 'an object', v);
    return new Shape(what, v);
  }

  has(k: string): boolean {
    return this.obj[k] !== undefined;
  }

  str(k: string): string {
    const v = this.obj[k];
    if (typeof v !== 'string') throw new QmpShapeError(this.what, k, 'a string', v);
    return v;
  }

  optStr(k: string): string | undefined {
    return this.has(k) ? this.str(k) : undefined;
  }

  bool(k: string): boolean {
    const v = this.obj[k];
    if (typeof v !== 'boolean') throw new QmpShapeError(this.what, k, 'a boolean', v);
    return v;
  }

  optBool(k: string): boolean | undefined {
    return this.has(k) ? this.bool(k) : undefined;
  }

  /** Small integers (indexes, counts, lengths): must fit a JS number exactly. */
  int(k: string): number {
    const v = this.obj[k];
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new QmpShapeError(this.what, k, 'an integer', v);
    return v;
  }

  /** A count the peer chooses (queues, entries): an integer in [min, max], else an error naming the bound. */
  count(k: string, max: number, min = 0): number {
    const v = this.int(k);
    if (v < min || v > max) throw new QmpShapeError(this.what, k, `a count from ${min} to ${max}`, v);
    return v;
  }

  optInt(k: string): number | undefined {
    return this.has(k) ? this.int(k) : undefined;
  }

  /** Addresses and bitmaps: exact u64 as bigint. */
  u64(k: string): bigint {
    const v = this.obj[k];
    const b = typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : typeof v === 'bigint' ? v : undefined;
    if (b === undefined || b < 0n || b > U64_MAX) throw new QmpShapeError(this.what, k, 'an unsigned 64-bit integer', v);
    return b;
  }

  /** int64 members (query-pci addresses use -1 for "unassigned"). */
  i64(k: string): bigint {
    const v = this.obj[k];
    const b = typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : typeof v === 'bigint' ? v : undefined;
    if (b === undefined) throw new QmpShapeError(this.what, k, 'an integer', v);
    return b;
  }

  optU64(k: string): bigint | undefined {
    return this.has(k) ? this.u64(k) : undefined;
  }

  strings(k: string): string[] {
    const v = this.obj[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new QmpShapeError(this.what, k, 'a list of strings', v);
    return v as string[];
  }

  list(k: string): JsonValue[] {
    const v = this.obj[k];
    if (!Array.isArray(v)) throw new QmpShapeError(this.what, k, 'a list', v);
    return v;
  }

  sub(k: string): Shape {
    const v = this.obj[k];
    if (!isObject(v)) throw new QmpShapeError(this.what, k, 'an object', v);
    return new Shape(`${this.what}.${k}`, v);
  }
}

export function listOf(what: string, v: JsonValue | undefined): JsonValue[] {
  if (!Array.isArray(v)) throw new QmpShapeError(what, '(answer)', 'a list', v);
  return v;
}
