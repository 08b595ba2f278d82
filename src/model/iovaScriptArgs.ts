// Reading the arguments of one replay-script call. Numbers are "0x…" hex strings (u64) so that
// 64-bit values survive JSON; perm may also be a plain JSON number. Absent fields are 0, like
// QEMU's zero-initialised DMAMap. Every error names the field it is about.
import { isPerm, type Perm } from './access.js';
import type { DMAMap } from './dmaMap.js';
import { hex, U64_MAX } from './u64.js';

export class ScriptArgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptArgError';
  }
}

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
};

/** A u64 field: absent → 0; otherwise a "0x…" string of at most 64 bits. */
export function u64Field(obj: JsonObject, name: string, where: string): bigint {
  const v = obj[name];
  if (v === undefined) return 0n;
  if (typeof v !== 'string' || !/^0[xX][0-9a-fA-F]+$/.test(v)) throw new ScriptArgError(`${where}${name}: expected a "0x…" hex string, got ${show(v)}`);
  const n = BigInt(v);
  if (n > U64_MAX) throw new ScriptArgError(`${where}${name}: ${v} is larger than 2^64-1`);
  return n;
}

/** perm: absent → 0 (IOMMU_NONE); a JSON integer 0..3 or a "0x…" string 0..3. */
export function permField(obj: JsonObject, where: string): Perm {
  const v = obj.perm;
  if (v === undefined) return 0;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^0[xX][0-9a-fA-F]+$/.test(v)) {
    const b = BigInt(v);
    n = b <= 3n ? Number(b) : Infinity;
  }
  else throw new ScriptArgError(`${where}perm: expected 0..3 (none, ro, wo, rw) as a number or "0x…" string, got ${show(v)}`);
  if (!isPerm(n)) throw new ScriptArgError(`${where}perm: ${show(v)} is out of range 0..3 (none, ro, wo, rw)`);
  return n;
}

/** The "map" object of a call (absent → all zero). */
export function mapField(args: JsonObject): DMAMap {
  const m = args.map;
  if (m === undefined) return { iova: 0n, translatedAddr: 0n, size: 0n, perm: 0 };
  if (!isObject(m)) throw new ScriptArgError(`map: expected an object, got ${show(m)}`);
  return {
    iova: u64Field(m, 'iova', 'map.'),
    translatedAddr: u64Field(m, 'translated_addr', 'map.'),
    size: u64Field(m, 'size', 'map.'),
    perm: permField(m, 'map.'),
  };
}

/** MAP as printed: lower-case hex strings, perm a JSON number. */
export const mapJson = (m: DMAMap): JsonObject => ({ iova: hex(m.iova), translated_addr: hex(m.translatedAddr), size: hex(m.size), perm: m.perm });
