// A sparse line index of a file too big to hold: the byte offset of every `stride`-th line, so
// memory is O(lines / stride). A line is found by seeking to its block and splitting forward;
// only the bytes of the blocks asked for are read. Lines follow the trace reader's rules (LF or
// CRLF, a final newline ends the last line, a UTF-8 BOM is not text) so line numbers, columns
// and hovers agree with what the engine saw.
import { open, type FileHandle } from 'node:fs/promises';
import type { LineText } from '../shared/protocol/largeTrace.js';

export const DEFAULT_STRIDE = 128;
/** a displayed line is cut after this many bytes (the line number and `cut` say so) */
export const DEFAULT_MAX_SHOWN_BYTES = 16 * 1024;
const READ_BYTES = 64 * 1024;

export class LargeTraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LargeTraceError';
  }
}

/** One line as read back: its text without terminator; `cut` is its full byte length when shortened. */
/** What the file looked like when it was indexed; any read checks it still looks so. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
}

/** Grows an array of offsets (doubles are exact up to 2^53 bytes). */
export class OffsetTable {
  private data = new Float64Array(1024);
  private n = 0;
  push(offset: number): void {
    if (this.n === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = offset;
  }
  get(i: number): number {
    return this.data[i];
  }
  get length(): number {
    return this.n;
  }
  get bytes(): number {
    return this.data.byteLength;
  }
}

/** Collects the sparse offsets while lines stream past (fed by whoever splits the file). */
export class LineIndexBuilder {
  readonly offsets = new OffsetTable();
  private count = 0;
  constructor(readonly stride = DEFAULT_STRIDE) {
    if (!Number.isInteger(stride) || stride < 1) throw new LargeTraceError(`line index stride must be a positive integer, got ${stride}`);
  }
  /** Lines must come in order, 1-based, each once. */
  line(lineNo: number, offset: number): void {
    if (lineNo !== this.count + 1) throw new LargeTraceError(`line index: expected line ${this.count + 1}, got ${lineNo}`);
    if ((lineNo - 1) % this.stride === 0) this.offsets.push(offset);
    this.count = lineNo;
  }
  get lines(): number {
    return this.count;
  }
}

export class LineIndex {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly identity: FileIdentity,
    readonly lineCount: number,
    readonly stride: number,
    private readonly offsets: OffsetTable,
  ) {}

  /** Open `path` for reading with offsets collected while it was indexed (by a LineIndexBuilder or scanLines). */
  static async open(path: string, identity: FileIdentity, built: { lines: number; stride: number; offsets: OffsetTable }): Promise<LineIndex> {
    const fh = await open(path, 'r');
    const idx = new LineIndex(path, fh, identity, built.lines, built.stride, built.offsets);
    try {
      await idx.checkUnchanged();
    } catch (e) {
      await fh.close();
      throw e;
    }
    return idx;
  }

  /** The sampled line starts, for scans that number lines without counting every newline. */
  get samples(): { lineCount: number; stride: number; samples: number; offset(i: number): number } {
    const offsets = this.offsets;
    return { lineCount: this.lineCount, stride: this.stride, samples: offsets.length, offset: (i) => offsets.get(i) };
  }

  /** Bytes of memory the offsets take. */
  get indexBytes(): number {
    return this.offsets.bytes;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }

  /** Throws when the file is not the one indexed any more (appended, truncated, rewritten). */
  async checkUnchanged(): Promise<void> {
    const st = await this.fh.stat();
    if (st.size !== this.identity.size || st.mtimeMs !== this.identity.mtimeMs) {
      const what = st.size !== this.identity.size ? `its size went from ${this.identity.size} to ${st.size} bytes` : `it was modified at ${new Date(st.mtimeMs).toISOString()}`;
      throw new LargeTraceError(`${this.path} changed on disk since it was indexed (${what}); reopen it to index it again`);
    }
  }

  private checkRange(from: number, count: number): void {
    if (!Number.isInteger(from) || !Number.isInteger(count) || count < 0) throw new LargeTraceError(`lines(${from}, ${count}): line and count must be integers, count ≥ 0`);
    if (count > 0 && (from < 1 || from > this.lineCount)) throw new LargeTraceError(`line ${from} is outside ${this.path} (lines 1..${this.lineCount})`);
  }

  /** `count` lines from 1-based `from` (fewer at the end of the file). */
  async lines(from: number, count: number, maxShownBytes = DEFAULT_MAX_SHOWN_BYTES): Promise<LineText[]> {
    this.checkRange(from, count);
    if (count === 0 || this.lineCount === 0) return [];
    await this.checkUnchanged();
    const last = Math.min(this.lineCount, from + count - 1);
    const out: LineText[] = [];
    await this.scan(from, last, maxShownBytes, (l) => out.push(l));
    if (out.length !== last - from + 1) throw new LargeTraceError(`${this.path}: expected lines ${from}..${last} but the file ended after line ${from + out.length - 1}; it changed since it was indexed`);
    return out;
  }

  /** Arbitrary lines (e.g. the matches of a filter), each block read once, in the order asked. */
  async linesAt(lineNos: readonly number[], maxShownBytes = DEFAULT_MAX_SHOWN_BYTES): Promise<LineText[]> {
    for (const l of lineNos) this.checkRange(l, 1);
    if (lineNos.length === 0) return [];
    await this.checkUnchanged();
    const sorted = [...new Set(lineNos)].sort((a, b) => a - b);
    const found = new Map<number, LineText>();
    let i = 0;
    while (i < sorted.length) {
      // one forward scan per run of wanted lines that share a block
      const block = Math.floor((sorted[i] - 1) / this.stride);
      let j = i;
      while (j + 1 < sorted.length && Math.floor((sorted[j + 1] - 1) / this.stride) === block) j++;
      const want = new Set(sorted.slice(i, j + 1));
      await this.scan(sorted[i], sorted[j], maxShownBytes, (l) => {
        if (want.has(l.line)) found.set(l.line, l);
      });
      i = j + 1;
    }
    return lineNos.map((l) => {
      const t = found.get(l);
      if (!t) throw new LargeTraceError(`${this.path}: line ${l} could not be read back; the file changed since it was indexed`);
      return t;
    });
  }

  /** One whole line (up to `maxBytes`), for classifying it again. */
  async line(lineNo: number, maxBytes: number): Promise<LineText> {
    return (await this.lines(lineNo, 1, maxBytes))[0];
  }

  /** Split forward from the block of `from`, delivering lines from..last. */
  private async scan(from: number, last: number, maxShown: number, deliver: (l: LineText) => void): Promise<void> {
    const block = Math.floor((from - 1) / this.stride);
    let pos = this.offsets.get(block);
    let lineNo = block * this.stride + 1;
    const buf = Buffer.allocUnsafe(READ_BYTES);
    // the current line's kept bytes (at most maxShown + 1 so a CR before the LF can be seen)
    let kept: Buffer[] = [];
    let keptLen = 0;
    let lineLen = 0;
    let lastByte = -1;
    const finish = (): void => {
      if (lineNo >= from) {
        let bytes = kept.length === 1 ? kept[0] : Buffer.concat(kept, keptLen);
        // CRLF: the CR is part of the terminator, not of the text
        const full = lastByte === 13 ? lineLen - 1 : lineLen;
        if (bytes.length > full) bytes = bytes.subarray(0, full);
        const cut = full > maxShown;
        const text = (cut ? bytes.subarray(0, maxShown) : bytes).toString('utf8');
        deliver(cut ? { line: lineNo, text: dropBrokenTail(text), cut: full } : { line: lineNo, text });
      }
      lineNo++;
      kept = [];
      keptLen = 0;
      lineLen = 0;
      lastByte = -1;
    };
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) {
        // a last line without a newline
        if (lineLen > 0 && lineNo <= last) finish();
        return;
      }
      pos += bytesRead;
      let p = 0;
      while (p < bytesRead) {
        const nl = buf.indexOf(10, p);
        const end = nl < 0 || nl >= bytesRead ? bytesRead : nl;
        if (lineNo >= from) {
          const room = maxShown + 1 - keptLen;
          const take = Math.min(room, end - p);
          if (take > 0) {
            kept.push(Buffer.from(buf.subarray(p, p + take)));
            keptLen += take;
          }
        }
        lineLen += end - p;
        if (end > p) lastByte = buf[end - 1];
        if (end === bytesRead) break;
        finish();
        if (lineNo > last) return;
        p = end + 1;
      }
    }
  }
}

/** A cut may split a UTF-8 sequence: drop the replacement character it leaves at the end. */
function dropBrokenTail(s: string): string {
  return s.endsWith('\uFFFD') ? s.slice(0, -1) : s;
}
