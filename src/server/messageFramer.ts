// LSP base-protocol framing with bounded memory: `Content-Length` headers, then a body. A body up
// to the limit is gathered into one buffer of exactly its size and parsed; a body over the limit
// is streamed past, keeping only its first and last HEAD_BYTES (enough to learn the method, the
// document URI and version, or the request id, whatever order the client wrote the keys in).
// Malformed framing (no or bad Content-Length, an endless header block) is fatal: the stream can
// no longer be trusted to find the next message, so the caller closes with the reason.

/** Messages larger than this are never buffered whole (documents over it are refused). */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 2 ** 20;
/** The header block of one message must end (an empty line) within this many bytes. */
export const MAX_HEADER_BYTES = 8192;
/** How much of an over-limit body is kept at each end. */
export const HEAD_BYTES = 64 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');

export interface OversizedBody {
  /** the Content-Length */
  bytes: number;
  /** the first HEAD_BYTES of the body */
  head: Buffer;
  /** the last HEAD_BYTES of the body (overlapping `head` when the body is short) */
  tail: Buffer;
}

export type Framed =
  | { kind: 'message'; message: unknown }
  /** a body that is not JSON: framing is intact, the message is dropped */
  | { kind: 'bad-json'; bytes: number; error: string }
  | { kind: 'oversized'; body: OversizedBody }
  | { kind: 'fatal'; reason: string };

type State =
  | { s: 'header' }
  | { s: 'body'; buf: Buffer; filled: number }
  | { s: 'skip'; bytes: number; seen: number; head: Buffer[]; headLen: number; tail: Buffer[]; tailLen: number }
  | { s: 'dead' };

/** Parse a header block (without the blank line); a Content-Length or why there is none. */
export function contentLength(block: string): number | string {
  let length: number | undefined;
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return `header line without a name: ${JSON.stringify(line.slice(0, 80))}`;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) return `Content-Length is not a byte count: ${JSON.stringify(value.slice(0, 40))}`;
      length = Number(value);
    } else if (name === 'content-type') {
      const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(value)?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return `unsupported charset ${JSON.stringify(charset.slice(0, 40))} (only utf-8)`;
    }
  }
  return length ?? 'no Content-Length header';
}

export class MessageFramer {
  private state: State = { s: 'header' };
  /** header bytes not yet ended by a blank line (at most MAX_HEADER_BYTES + one chunk) */
  private pending: Buffer = Buffer.alloc(0);

  constructor(public maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Feed one chunk; returns what it completed, in order. After a fatal result, nothing more. */
  push(chunk: Buffer): Framed[] {
    const out: Framed[] = [];
    let at = 0;
    while (at < chunk.length && this.state.s !== 'dead') {
      const st = this.state;
      if (st.s === 'header') {
        at = this.header(chunk, at, out);
      } else if (st.s === 'body') {
        const n = Math.min(st.buf.length - st.filled, chunk.length - at);
        chunk.copy(st.buf, st.filled, at, at + n);
        st.filled += n;
        at += n;
        if (st.filled === st.buf.length) this.finishBody(st.buf, out);
      } else if (st.s === 'skip') {
        const n = Math.min(st.bytes - st.seen, chunk.length - at);
        this.passOver(st, chunk.subarray(at, at + n));
        at += n;
        if (st.seen === st.bytes) {
          this.state = { s: 'header' };
          out.push({ kind: 'oversized', body: { bytes: st.bytes, head: Buffer.concat(st.head), tail: Buffer.concat(st.tail).subarray(-HEAD_BYTES) } });
        }
      }
    }
    return out;
  }

  private header(chunk: Buffer, at: number, out: Framed[]): number {
    const prev = this.pending.length;
    const buf = prev ? Buffer.concat([this.pending, chunk.subarray(at)]) : chunk.subarray(at);
    const end = buf.indexOf(CRLF2);
    if (end < 0 || end > MAX_HEADER_BYTES) {
      if (end > MAX_HEADER_BYTES || buf.length > MAX_HEADER_BYTES + 3) return this.die(out, `a header block longer than ${MAX_HEADER_BYTES} bytes`, chunk.length);
      this.pending = Buffer.from(buf);
      return chunk.length;
    }
    this.pending = Buffer.alloc(0);
    const length = contentLength(buf.toString('latin1', 0, end));
    if (typeof length === 'string') return this.die(out, length, chunk.length);
    if (length > this.maxBytes) this.state = { s: 'skip', bytes: length, seen: 0, head: [], headLen: 0, tail: [], tailLen: 0 };
    else this.state = { s: 'body', buf: Buffer.allocUnsafe(length), filled: 0 };
    if (length === 0) this.finishBody(Buffer.alloc(0), out);
    return at + end + 4 - prev;
  }

  private passOver(st: Extract<State, { s: 'skip' }>, part: Buffer): void {
    st.seen += part.length;
    if (st.headLen < HEAD_BYTES) {
      const h = Buffer.from(part.subarray(0, HEAD_BYTES - st.headLen));
      st.head.push(h);
      st.headLen += h.length;
    }
    const t = Buffer.from(part.subarray(-HEAD_BYTES));
    st.tail.push(t);
    st.tailLen += t.length;
    while (st.tail.length > 1 && st.tailLen - st.tail[0].length >= HEAD_BYTES) st.tailLen -= st.tail.shift()!.length;
  }

  private finishBody(buf: Buffer, out: Framed[]): void {
    this.state = { s: 'header' };
    try {
      out.push({ kind: 'message', message: JSON.parse(buf.toString('utf8')) as unknown });
    } catch (e) {
      out.push({ kind: 'bad-json', bytes: buf.length, error: (e as Error).message.slice(0, 200) });
    }
  }

  private die(out: Framed[], reason: string, end: number): number {
    this.state = { s: 'dead' };
    this.pending = Buffer.alloc(0);
    out.push({ kind: 'fatal', reason });
    return end;
  }
}
