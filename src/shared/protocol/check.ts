// The validator kit for messages that cross a process boundary (LSP custom requests, DAP custom
// requests and events, both webviews, the large-trace worker): each check returns the typed value
// or throws a ProtocolError naming the JSON path and what was wrong, never a crash further on.
// Plain code with no Node or browser APIs, so every side (webviews included) bundles it.
import { isSpace, SPACES, type Space } from '../../model/space.js';

export class ProtocolError extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(path ? `${path}: ${what}` : what);
    this.name = 'ProtocolError';
  }
}

export type Obj = Record<string, unknown>;

/** A value as an error message quotes it: JSON, cut at 60 characters; `nothing` for a missing field. */
export function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined; // bigint, cycles
  }
  if (s === undefined) s = typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? v.toString() : String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

export function fail(path: string, what: string): never {
  throw new ProtocolError(path, what);
}

const expected = (path: string, what: string, v: unknown): never => fail(path, `expected ${what}, got ${shown(v)}`);

export function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) expected(path, 'an object', v);
  return v as Obj;
}

export function arr(v: unknown, path: string, max = 100_000): unknown[] {
  if (!Array.isArray(v)) expected(path, 'an array', v);
  const a = v as unknown[];
  if (a.length > max) fail(path, `has ${a.length} elements, at most ${max}`);
  return a;
}

export function str(v: unknown, path: string, max = 65_536): string {
  if (typeof v !== 'string') expected(path, 'a string', v);
  const s = v as string;
  if (s.length > max) fail(path, `is ${s.length} characters long, at most ${max}`);
  return s;
}

export const optStr = (v: unknown, path: string, max?: number): string | undefined => (v === undefined ? undefined : str(v, path, max));

export function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') expected(path, 'a boolean', v);
  return v as boolean;
}

/** One of a few literal strings. */
export function oneOf<T extends string>(v: unknown, path: string, values: readonly T[]): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    const list = values.map((x) => JSON.stringify(x));
    expected(path, list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}` : list[0] ?? 'nothing', v);
  }
  return v as T;
}

/** A 64-bit address as it travels: "0x" and 1..16 hex digits (JSON numbers lose bits above 2^53). */
export function hexAddr(v: unknown, path: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{1,16}$/.test(v)) expected(path, 'a 64-bit hex address like "0x1000"', v);
  return v as string;
}

export const optHexAddr = (v: unknown, path: string): string | undefined => (v === undefined ? undefined : hexAddr(v, path));

export function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) expected(path, max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}..${max}`, v);
  return v as number;
}

export const optInt = (v: unknown, path: string, min: number, max?: number): number | undefined => (v === undefined ? undefined : int(v, path, min, max));

export function space(v: unknown, path: string): Space {
  if (typeof v !== 'string' || !isSpace(v)) expected(path, `an address space (${SPACES.join(', ')})`, v);
  return v as Space;
}

export type Parsed<T> = { ok: true; msg: T } | { ok: false; error: string };

/**
 * Run a check without throwing: for receivers that report and drop a bad message (the webviews).
 * Anything a check throws, even a bug of its own, becomes the error value.
 */
export function parsed<T>(data: unknown, check: (data: unknown) => T): Parsed<T> {
  try {
    return { ok: true, msg: check(data) };
  } catch (e) {
    return { ok: false, error: `malformed message: ${e instanceof Error ? e.message : shown(e)}` };
  }
}
