// Decoder for QEMU's "simple" trace backend, file format version 4 (qemu-interfaces.md §7.3):
//   header   u64 0xffffffffffffffff, u64 magic 0xf2b177cb0aa429b4, u64 version 4
//   records  u64 type; type 0 (mapping): u64 id, u32 len, name
//                      type 1 (event):   u64 id, u64 timestamp_ns, u32 length, u32 pid, args
// Integers are host-endian (the magic tells which). Arguments are untyped in the file: strings
// are u32 length + bytes, everything else 8 bytes, so each event's definition gives the layout.
// Streaming: push() chunks as they are read; records are delivered as soon as they are whole.
import type { FieldValue, TraceRecord } from '../types.js';
import type { EventCatalog } from '../catalog/eventCatalog.js';
import type { CompiledEvent } from '../format/compile.js';
import { renderEventBody } from '../format/render.js';

export const SIMPLETRACE_MAGIC = 0xf2b177cb0aa429b4n;
const HEADER_EVENT_ID = 0xffffffffffffffffn;
export const DROPPED_EVENT_ID = 0xfffffffffffffffen;
/** name given to the backend's own "events were lost" record */
export const DROPPED_EVENT_NAME = 'dropped_events';
const HEADER_BYTES = 24;
/** sanity limits: beyond these a length field is corrupt, not a real record */
const MAX_NAME = 4096;
const MAX_RECORD = 16 << 20;

export class SimpletraceError extends Error {
  constructor(readonly offset: number, reason: string) {
    super(`simpletrace: ${reason} at byte offset ${offset}`);
    this.name = 'SimpletraceError';
  }
}

/** True when the first 16 bytes are a simpletrace header (either byte order). */
export function isSimpletrace(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const b = Buffer.from(head.buffer, head.byteOffset, 16);
  return b.readBigUInt64LE(0) === HEADER_EVENT_ID && (b.readBigUInt64LE(8) === SIMPLETRACE_MAGIC || b.readBigUInt64BE(8) === SIMPLETRACE_MAGIC);
}

const SIGNED_INT = /^(?:int|int8_t|int16_t|int32_t|short|char|signed.*)$/;

export class SimpletraceDecoder {
  private buf = Buffer.alloc(0);
  /** file offset of buf[0] */
  private base = 0;
  private le = true;
  private headerDone = false;
  private readonly names = new Map<bigint, string>();
  private eventIndex = 0;

  constructor(private readonly catalog: EventCatalog, private readonly onRecord: (r: TraceRecord) => void) {}

  /** Decode what is whole; throws SimpletraceError on corrupt data (earlier records were delivered). */
  push(chunk: Uint8Array): void {
    const c = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.buf = this.buf.length === 0 ? Buffer.from(c) : Buffer.concat([this.buf, c]);
    let p = 0;
    if (!this.headerDone) {
      if (this.buf.length < HEADER_BYTES) return;
      this.readHeader();
      p = HEADER_BYTES;
    }
    for (;;) {
      const used = this.record(p);
      if (used === 0) break;
      p += used;
    }
    this.base += p;
    this.buf = this.buf.subarray(p);
  }

  /** The file ended: anything left over is a truncated record. */
  end(): void {
    if (!this.headerDone) {
      throw new SimpletraceError(this.base + this.buf.length, `file ends inside the ${HEADER_BYTES}-byte header`);
    }
    if (this.buf.length > 0) {
      throw new SimpletraceError(this.base, `truncated record: ${this.buf.length} byte(s) left, not a whole record`);
    }
  }

  private u64(p: number): bigint {
    return this.le ? this.buf.readBigUInt64LE(p) : this.buf.readBigUInt64BE(p);
  }

  private u32(p: number): number {
    return this.le ? this.buf.readUInt32LE(p) : this.buf.readUInt32BE(p);
  }

  private readHeader(): void {
    const b = this.buf;
    if (b.readBigUInt64LE(0) !== HEADER_EVENT_ID) throw new SimpletraceError(0, 'not a simpletrace file (bad header event id)');
    if (b.readBigUInt64LE(8) === SIMPLETRACE_MAGIC) this.le = true;
    else if (b.readBigUInt64BE(8) === SIMPLETRACE_MAGIC) this.le = false;
    else throw new SimpletraceError(8, 'not a simpletrace file (bad magic)');
    const version = this.u64(16);
    if (version !== 4n) throw new SimpletraceError(16, `format version ${version} is not supported (only version 4)`);
    this.headerDone = true;
  }

  /** Decode one record at buf[p]; returns its size, or 0 when it is not all here yet. */
  private record(p: number): number {
    const avail = this.buf.length - p;
    if (avail < 8) return 0;
    const at = this.base + p;
    const type = this.u64(p);
    if (type === 0n) {
      if (avail < 20) return 0;
      const id = this.u64(p + 8);
      const len = this.u32(p + 16);
      if (len === 0 || len > MAX_NAME) throw new SimpletraceError(at, `mapping record with an implausible name length ${len}`);
      if (avail < 20 + len) return 0;
      this.names.set(id, this.buf.toString('utf8', p + 20, p + 20 + len));
      return 20 + len;
    }
    if (type !== 1n) throw new SimpletraceError(at, `unknown record type ${type}`);
    if (avail < 32) return 0;
    const length = this.u32(p + 24);
    if (length < 24 || length > MAX_RECORD) throw new SimpletraceError(at, `event record with an implausible length ${length}`);
    if (avail < 8 + length) return 0;
    this.event(p, at, length);
    return 8 + length;
  }

  private event(p: number, at: number, length: number): void {
    const id = this.u64(p + 8);
    const ns = this.u64(p + 16);
    const pid = this.u32(p + 28);
    const argStart = p + 32;
    const argEnd = p + 8 + length;
    const line = ++this.eventIndex;
    const sec = ns / 1_000_000_000n;
    const usec = (ns % 1_000_000_000n) / 1000n;
    const prefix = { pid, time: Number(ns) / 1e9, text: `${pid}@${sec}.${usec.toString().padStart(6, '0')}:` };
    if (id === DROPPED_EVENT_ID) {
      const count = argEnd - argStart >= 8 ? this.u64(argStart) : 0n;
      this.onRecord({ kind: 'event', line, offset: at, name: DROPPED_EVENT_NAME, prefix, fields: { count }, def: undefined, body: `count ${count}` });
      return;
    }
    const name = this.names.get(id);
    if (name === undefined) {
      this.onRecord({ kind: 'malformed', line, offset: at, name: `#${id}`, body: '', column: 1, reason: `event id ${id} has no mapping record`, prefix });
      return;
    }
    const defs = this.catalog.lookup(name);
    if (!defs) {
      this.onRecord({ kind: 'event', line, offset: at, name, prefix, fields: undefined, def: undefined, body: '' });
      return;
    }
    for (const d of defs) {
      const fields = this.args(d, argStart, argEnd);
      if (fields) {
        this.onRecord({ kind: 'event', line, offset: at, name, prefix, fields, def: d.def, body: renderEventBody(d.def, fields) });
        return;
      }
    }
    const reason = `${argEnd - argStart} argument bytes fit none of the ${defs.length} definition(s) of ${name} (e.g. ${defs[0].def.source})`;
    this.onRecord({ kind: 'malformed', line, offset: at, name, body: '', column: 1, reason, prefix });
  }

  /** Fields when the definition's layout uses exactly the record's argument bytes. */
  private args(c: CompiledEvent, p: number, end: number): Record<string, FieldValue> | undefined {
    const out: Record<string, FieldValue> = {};
    const { argNames, argKinds } = c;
    for (let k = 0; k < argNames.length; k++) {
      const kind = argKinds[k];
      if (kind === 'string') {
        if (p + 4 > end) return undefined;
        const n = this.u32(p);
        if (p + 4 + n > end) return undefined;
        out[argNames[k]] = this.buf.toString('utf8', p + 4, p + 4 + n);
        p += 4 + n;
        continue;
      }
      if (p + 8 > end) return undefined;
      const v = this.u64(p);
      p += 8;
      if (kind === 'u64') out[argNames[k]] = v;
      else if (kind === 'bool') out[argNames[k]] = v !== 0n;
      else out[argNames[k]] = SIGNED_INT.test(c.def.args[k].type) ? Number(BigInt.asIntN(32, v)) : Number(BigInt.asUintN(32, v));
    }
    return p === end ? out : undefined;
  }
}
