// Splits a byte stream into lines without holding more than one chunk plus one (capped) line.
// Works on bytes so that byte offsets are exact whatever the encoding: an editor can seek back
// to any line. Lines are decoded one by one (fresh strings, so a kept record does not pin the
// whole chunk in memory).
import { isAscii } from 'node:buffer';

export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
/** how much of an over-long line is kept for the record */
const CUT_LINE_KEEP = 4096;

/**
 * Receives each line. `text` has no line terminator (LF or CRLF). `cutBytes` is -1 for a normal
 * line; for a line over the limit it is the line's full length in bytes and `text` is its start.
 */
export type LineSink = (text: string, lineNo: number, offset: number, cutBytes: number) => void;

/**
 * Offered each line's bytes before it is decoded, for ASCII chunks only (`end` excludes the
 * terminator): true when it consumed the line (no string is made, the sink is not called).
 * Lines that span chunks or exceed the limit always go to the sink.
 */
export type ByteLineHook = (buf: Buffer, start: number, end: number, lineNo: number, offset: number) => boolean;

// Node's Buffer has these undocumented fast decoders (what toString() calls after checking its
// arguments); on millions of short lines the checks are a measurable share.
interface FastSlices {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}
const proto = Buffer.prototype as unknown as FastSlices;
const FAST = typeof proto.latin1Slice === 'function' && typeof proto.utf8Slice === 'function';

function decode(buf: Buffer, start: number, end: number, ascii: boolean): string {
  if (FAST) {
    const b = buf as unknown as Required<FastSlices>;
    return ascii ? b.latin1Slice(start, end) : b.utf8Slice(start, end);
  }
  return buf.toString(ascii ? 'latin1' : 'utf8', start, end);
}

export class LineSplitter {
  private lineNo = 0;
  /** file offset of the next byte pushed */
  private pos = 0;
  private firstChunk = true;
  /** a line that started in an earlier chunk is still open */
  private carry = false;
  private carryStart = 0;
  /** bytes of the open line so far (all of them, even those not kept) */
  private carryBytes = 0;
  private kept: Buffer;
  private keptLen = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
    private readonly bytesHook?: ByteLineHook,
  ) {
    this.kept = Buffer.allocUnsafe(Math.min(maxLineBytes + 1, 64 * 1024));
  }

  /** lines delivered so far */
  get lines(): number {
    return this.lineNo;
  }

  /** bytes pushed so far */
  get bytes(): number {
    return this.pos;
  }

  push(chunk: Buffer): void {
    let p = 0;
    const end = chunk.length;
    const base = this.pos;
    this.pos += end;
    if (this.firstChunk && end > 0) {
      this.firstChunk = false;
      // a UTF-8 byte-order mark is not part of the first line's text (it still counts in offsets)
      if (end >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) p = 3;
    }
    if (this.carry) {
      const nl = chunk.indexOf(10, p);
      this.addCarry(chunk, p, nl < 0 ? end : nl);
      if (nl < 0) return;
      this.finishCarry();
      p = nl + 1;
    }
    if (p >= end) return;
    const ascii = isAscii(p === 0 ? chunk : chunk.subarray(p));
    const max = this.maxLineBytes;
    const hook = ascii ? this.bytesHook : undefined;
    for (;;) {
      const nl = chunk.indexOf(10, p);
      if (nl < 0) break;
      const len = nl - p;
      if (len > max) {
        this.sink(chunk.toString('utf8', p, p + CUT_LINE_KEEP), ++this.lineNo, base + p, len);
      } else {
        const e = len > 0 && chunk[nl - 1] === 13 ? nl - 1 : nl;
        const lineNo = ++this.lineNo;
        if (hook === undefined || !hook(chunk, p, e, lineNo, base + p)) this.sink(decode(chunk, p, e, ascii), lineNo, base + p, -1);
      }
      p = nl + 1;
    }
    if (p < end) {
      this.carry = true;
      this.carryStart = base + p;
      this.carryBytes = 0;
      this.keptLen = 0;
      this.addCarry(chunk, p, end);
    }
  }

  /** Deliver a final line that has no newline. */
  end(): void {
    if (this.carry) this.finishCarry();
  }

  private addCarry(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    const over = this.carryBytes + n > this.maxLineBytes;
    // once a line is over the limit only its head is kept
    const room = (over ? Math.min(CUT_LINE_KEEP, this.maxLineBytes) : this.maxLineBytes) - this.keptLen;
    const take = Math.max(0, Math.min(n, room));
    if (take > 0) {
      const need = this.keptLen + take;
      if (need > this.kept.length) {
        const grown = Buffer.allocUnsafe(Math.min(Math.max(need, this.kept.length * 2), this.maxLineBytes + 1));
        this.kept.copy(grown, 0, 0, this.keptLen);
        this.kept = grown;
      }
      chunk.copy(this.kept, this.keptLen, from, from + take);
      this.keptLen = need;
    }
    this.carryBytes += n;
  }

  private finishCarry(): void {
    if (this.carryBytes > this.maxLineBytes) {
      const head = this.kept.toString('utf8', 0, Math.min(this.keptLen, CUT_LINE_KEEP));
      this.sink(head, ++this.lineNo, this.carryStart, this.carryBytes);
    } else {
      const e = this.keptLen > 0 && this.kept[this.keptLen - 1] === 13 ? this.keptLen - 1 : this.keptLen;
      this.sink(this.kept.toString('utf8', 0, e), ++this.lineNo, this.carryStart, -1);
    }
    this.carry = false;
    this.carryBytes = 0;
    this.keptLen = 0;
  }
}

/** Split a whole in-memory buffer (the sync path: tests, the language server). */
export function splitLines(buf: Buffer, sink: LineSink, maxLineBytes = DEFAULT_MAX_LINE_BYTES): number {
  const s = new LineSplitter(sink, maxLineBytes);
  s.push(buf);
  s.end();
  return s.lines;
}
