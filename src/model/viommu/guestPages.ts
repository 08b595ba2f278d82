// How the VT-d walker reads guest physical memory. Live sessions read through the gdbstub
// (async, one round trip per request), snapshots come as a map of 4 KiB pages (sync). Either
// way the walker asks for whole table pages, so a walk costs one read per table it touches.
import { hex } from '../u64.js';

/** Read `len` bytes of guest physical memory at `gpa`. Throw (or reject) if it cannot be read. */
export type GpaReader = (gpa: bigint, len: number) => Promise<Uint8Array> | Uint8Array;
export type SyncGpaReader = (gpa: bigint, len: number) => Uint8Array;

export const GUEST_PAGE = 4096;
const PAGE_MASK = ~0xfffn;

export class GpaReadError extends Error {
  constructor(readonly gpa: bigint, readonly len: number, why: string) {
    super(`cannot read guest physical memory ${hex(gpa)}..${hex(gpa + BigInt(len) - 1n)}: ${why}`);
    this.name = 'GpaReadError';
  }
}

/**
 * Guest pages captured earlier (e.g. `pages` of vtd-walk.json: hex text keyed by GPA). Reads
 * must stay inside captured pages; anything else is a clear error naming the missing page.
 */
export class GuestPageMap {
  private readonly pages = new Map<bigint, Uint8Array>();

  /** From `{ "0x249c000": "0110…" }`: keys are page-aligned GPAs, values hex of 4096 bytes. */
  static fromHexPages(pages: Record<string, string>, source = 'page map'): GuestPageMap {
    const map = new GuestPageMap();
    for (const [key, text] of Object.entries(pages)) {
      if (!/^0x[0-9a-fA-F]+$/.test(key)) throw new Error(`${source}: page key ${JSON.stringify(key)} is not a 0x-hex GPA`);
      if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error(`${source}: page ${key} is not an even-length hex string`);
      map.setPage(BigInt(key), Uint8Array.from(Buffer.from(text, 'hex')), source);
    }
    return map;
  }

  setPage(gpa: bigint, bytes: Uint8Array, source = 'page map'): void {
    if ((gpa & 0xfffn) !== 0n) throw new Error(`${source}: page GPA ${hex(gpa)} is not 4 KiB aligned`);
    if (bytes.length !== GUEST_PAGE) throw new Error(`${source}: page ${hex(gpa)} has ${bytes.length} bytes, expected ${GUEST_PAGE}`);
    this.pages.set(gpa, bytes);
  }

  has(gpa: bigint): boolean {
    return this.pages.has(gpa & PAGE_MASK);
  }

  get size(): number {
    return this.pages.size;
  }

  /** A SyncGpaReader over the captured pages (reads may span pages if all are present). */
  readonly read: SyncGpaReader = (gpa, len) => {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = gpa + BigInt(done);
      const page = this.pages.get(at & PAGE_MASK);
      if (!page) throw new GpaReadError(gpa, len, `page ${hex(at & PAGE_MASK)} was not captured`);
      const off = Number(at & 0xfffn);
      const n = Math.min(len - done, GUEST_PAGE - off);
      out.set(page.subarray(off, off + n), done);
      done += n;
    }
    return out;
  };
}

/** Little-endian u64 at `off` of `bytes`. */
export function le64(bytes: Uint8Array, off: number): bigint {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[off + i] ?? 0);
  return v;
}

/**
 * Per-walk memo of whole 4 KiB table pages, so entries of the same table cost one read and a
 * range walk over 512 PTEs costs one read instead of 512.
 */
export class TablePageMemo {
  private readonly pages = new Map<bigint, Uint8Array | GpaReadError>();
  reads = 0;

  /** The page holding `gpa` if already fetched (undefined when it still has to be read). */
  cached(gpa: bigint): Uint8Array | GpaReadError | undefined {
    return this.pages.get(gpa & PAGE_MASK);
  }

  store(pageGpa: bigint, bytes: Uint8Array | GpaReadError): void {
    this.reads++;
    this.pages.set(pageGpa, bytes);
  }
}

/** Fetch the page with a sync reader, remembering failures as values (a walk reports, never throws). */
export function fetchPageSync(memo: TablePageMemo, reader: SyncGpaReader, gpa: bigint): Uint8Array | GpaReadError {
  const hit = memo.cached(gpa);
  if (hit) return hit;
  const page = gpa & PAGE_MASK;
  memo.store(page, toPage(page, () => reader(page, GUEST_PAGE)));
  return memo.cached(gpa)!;
}

export async function fetchPageAsync(memo: TablePageMemo, reader: GpaReader, gpa: bigint): Promise<Uint8Array | GpaReadError> {
  const hit = memo.cached(gpa);
  if (hit) return hit;
  const page = gpa & PAGE_MASK;
  let got: Uint8Array | GpaReadError;
  try {
    got = checkLen(page, await reader(page, GUEST_PAGE));
  } catch (e) {
    got = asReadError(page, e);
  }
  memo.store(page, got);
  return got;
}

function toPage(page: bigint, read: () => Uint8Array): Uint8Array | GpaReadError {
  try {
    return checkLen(page, read());
  } catch (e) {
    return asReadError(page, e);
  }
}

function checkLen(page: bigint, bytes: Uint8Array): Uint8Array | GpaReadError {
  return bytes.length === GUEST_PAGE ? bytes : new GpaReadError(page, GUEST_PAGE, `reader returned ${bytes.length} bytes`);
}

const asReadError = (page: bigint, e: unknown): GpaReadError =>
  e instanceof GpaReadError ? e : new GpaReadError(page, GUEST_PAGE, e instanceof Error ? e.message : String(e));
