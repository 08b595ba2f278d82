// The validator kit for messages that cross a process boundary: each check returns the typed value
// or throws a ProtocolError naming the JSON path and what was wrong, never a crash further on.
import { isSpace, type Space } from '../../model/space.js';

export class ProtocolError extends Error {
  constructor(readonly path: string, what: string) {
    super(`${path}: ${what}`);
    this.name = 'ProtocolError';
  }
}

export type Obj = Record<string, unknown>;

const shown = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

export function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(path, `expected an object, got ${shown(v)}`);
  return v as Obj;
}

export function arr(v: unknown, path: string, max = 100_000): unknown[] {
  if (!Array.isArray(v)) throw new ProtocolError(path, `expected an array, got ${shown(v)}`);
  if (v.length > max) throw new ProtocolError(path, `has ${v.length} elements, at most ${max}`);
  return v;
}

export function str(v: unknown, path: string, max = 65_536): string {
  if (typeof v !== 'string') throw new ProtocolError(path, `expected a string, got ${shown(v)}`);
  if (v.length > max) throw new ProtocolError(path, `is ${v.length} characters long, at most ${max}`);
  return v;
}

export const optStr = (v: unknown, path: string, max?: number): string | undefined => (v === undefined ? undefined : str(v, path, max));

/** A 64-bit address as it travels: "0x" and 1..16 hex digits. */
export function hexAddr(v: unknown, path: string): string {
  const s = str(v, path, 18);
  if (!/^0x[0-9a-fA-F]{1,16}$/.test(s)) throw new ProtocolError(path, `expected a hex address like "0x1000", got ${shown(v)}`);
  return s;
}

export function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ProtocolError(path, `expected an integer in ${min}..${max}, got ${shown(v)}`);
  return v;
}

export const optInt = (v: unknown, path: string, min: number, max?: number): number | undefined => (v === undefined ? undefined : int(v, path, min, max));

export function space(v: unknown, path: string): Space {
  if (typeof v !== 'string' || !isSpace(v)) throw new ProtocolError(path, `expected an address space (gpa, hva, iova, giova), got ${shown(v)}`);
  return v;
}
