// Exact unsigned 64-bit arithmetic on bigint. QEMU computes in u64 and wraps modulo 2^64;
// where the C code wraps we call these helpers on purpose, where it uses Int128 we do not.

export type U64 = bigint;

export const U64_MAX: U64 = (1n << 64n) - 1n;
export const TWO_POW_64 = 1n << 64n;

/** Truncate to u64 (what a C `uint64_t` assignment does). */
export const u64 = (x: bigint): U64 => x & U64_MAX;
/** u64 addition with wrap-around. */
export const add64 = (a: U64, b: U64): U64 => (a + b) & U64_MAX;
/** u64 subtraction with wrap-around. */
export const sub64 = (a: U64, b: U64): U64 => (a - b) & U64_MAX;

export const isU64 = (x: bigint): boolean => x >= 0n && x <= U64_MAX;

/**
 * True when an access of `count` bytes at `start` stays inside the 64-bit address space (a
 * memory request never wraps to address 0 the way QEMU's u64 sums do). An empty access counts
 * as one byte: its start must still be an address.
 */
export const accessFits = (start: bigint, count: number | bigint): boolean => start >= 0n && start + BigInt(count > 0 ? count : 1) - 1n <= U64_MAX;

/** Lower-case "0x…" as QEMU prints with PRIx64. */
export const hex = (x: bigint): string => (x < 0n ? '-0x' + (-x).toString(16) : '0x' + x.toString(16));

export class U64ParseError extends Error {
  constructor(readonly text: string, reason: string) {
    super(`not a u64 ${reason}: ${JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text)}`);
    this.name = 'U64ParseError';
  }
}

/**
 * Parse a u64 written as "0x…" hex (any case) or decimal. Rejects negatives, junk and values
 * above 2^64-1 instead of silently truncating: a wrong address is worse than an error.
 */
export function parseU64(text: string): U64 {
  const t = text.trim();
  let v: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = BigInt(t);
  else if (/^[0-9]+$/.test(t)) v = BigInt(t);
  else throw new U64ParseError(text, '(expected 0x-hex or decimal)');
  if (v > U64_MAX) throw new U64ParseError(text, '(larger than 2^64-1)');
  return v;
}

/** Like parseU64 but hex without "0x" is accepted (QEMU prints some fields as bare hex). */
export function parseHexU64(text: string): U64 {
  const t = text.trim().replace(/^0[xX]/, '');
  if (!/^[0-9a-fA-F]+$/.test(t)) throw new U64ParseError(text, '(expected hex)');
  const v = BigInt('0x' + t);
  if (v > U64_MAX) throw new U64ParseError(text, '(larger than 2^64-1)');
  return v;
}

/**
 * A Map key for a u64: the number itself when it is exact as a double, else the BigInt. Equal
 * values always get the same key; V8 hashes BigInt keys far more slowly than numbers (measured:
 * the vhost IOVA tree's index spent most of a 1M-line check in Map.set on BigInt keys).
 */
export const u64Key = (x: U64): number | bigint => (x <= 9007199254740991n ? Number(x) : x);

export const minU64 = (a: U64, b: U64): U64 => (a < b ? a : b);
export const maxU64 = (a: U64, b: U64): U64 => (a > b ? a : b);

/** Round up to a power-of-two alignment, in u64 (wraps like QEMU's ROUND_UP). */
export const roundUp64 = (x: U64, align: U64): U64 => u64((x + align - 1n) & ~(align - 1n));
export const roundDown64 = (x: U64, align: U64): U64 => x & ~(align - 1n) & U64_MAX;
