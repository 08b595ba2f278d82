// The small interface every reader of QEMU's own state goes through: symbols, type layouts from
// the debug information, and memory reads. Transports implement it (headless gdb over MI today;
// a user's C debug session or /proc/PID/mem tomorrow); readers never know which one they use.

export interface QemuMemory {
  /** QEMU's process id (for messages) */
  readonly pid: number;
  /** `sizeof(type)` from the debug information */
  sizeOf(type: string): Promise<bigint>;
  /** `&((type *)0)->field` from the debug information; `field` may be a path ("a.b.c") */
  offsetOf(type: string, field: string): Promise<bigint>;
  /** the address of a global or static (`&symbol`) */
  addressOf(symbol: string): Promise<bigint>;
  /** the value of an integer or pointer expression as an unsigned 64-bit number */
  evaluate(expr: string): Promise<bigint>;
  /** exactly `len` bytes at `addr` of QEMU's address space (throws when any byte is unreadable) */
  read(addr: bigint, len: number): Promise<Uint8Array>;
}

/** Little-endian field access into a buffer read from QEMU (x86_64 host). */
export class Bytes {
  private readonly view: DataView;
  constructor(readonly buf: Uint8Array, readonly what: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  private at(off: bigint, size: number): number {
    const o = Number(off);
    if (o < 0 || o + size > this.buf.length) throw new RangeError(`${this.what}: field at offset ${o} (+${size}) is outside the ${this.buf.length} bytes read`);
    return o;
  }
  u8(off: bigint): number {
    return this.view.getUint8(this.at(off, 1));
  }
  i8(off: bigint): number {
    return this.view.getInt8(this.at(off, 1));
  }
  u16(off: bigint): number {
    return this.view.getUint16(this.at(off, 2), true);
  }
  u32(off: bigint): number {
    return this.view.getUint32(this.at(off, 4), true);
  }
  i32(off: bigint): number {
    return this.view.getInt32(this.at(off, 4), true);
  }
  u64(off: bigint): bigint {
    return this.view.getBigUint64(this.at(off, 8), true);
  }
  /** QEMU's Int128 (two little-endian u64 halves); callers decide what a high half means */
  i128(off: bigint): { lo: bigint; hi: bigint } {
    return { lo: this.u64(off), hi: this.u64(off + 8n) };
  }
  /** a NUL-terminated string stored inline (e.g. RAMBlock.idstr) */
  cstr(off: bigint, max: number): string {
    const o = this.at(off, 1);
    const end = Math.min(this.buf.length, o + max);
    let n = o;
    while (n < end && this.buf[n] !== 0) n++;
    return Buffer.from(this.buf.subarray(o, n)).toString('latin1');
  }
}

/** Read a NUL-terminated string through a pointer, in chunks, up to `max` bytes. */
export async function readCString(mem: QemuMemory, addr: bigint, max = 256): Promise<string> {
  if (addr === 0n) return '';
  let out = '';
  for (let off = 0; off < max; off += 64) {
    // never cross a page boundary in one read: the next page may not be mapped
    const pageLeft = 4096 - Number((addr + BigInt(off)) & 0xfffn);
    const chunk = await mem.read(addr + BigInt(off), Math.min(64, pageLeft, max - off));
    const nul = chunk.indexOf(0);
    out += Buffer.from(nul >= 0 ? chunk.subarray(0, nul) : chunk).toString('latin1');
    if (nul >= 0) return out;
  }
  return out;
}
