// A filter scan over the bytes of a large trace (the fast path of filter.ts): the file is read in
// big chunks, the plan's byte patterns are searched for with Buffer.indexOf (no string per
// line, no newline counting between candidates), and only the lines they hit are decoded and
// checked the exact way. Line numbers come from the index's sampled offsets: from the nearest
// sampled line before a candidate, counting at most `stride` newlines.
import { open } from 'node:fs/promises';
import { DEFAULT_MAX_LINE_BYTES } from '../trace/read/lineSource.js';
import type { LargeFilterResult } from '../shared/protocol/largeTrace.js';
import type { FilterPlan } from './filterPlan.js';

/** Where the index's sampled lines start: line `i * stride + 1` starts at `offset(i)`. */
export interface SampledLines {
  lineCount: number;
  stride: number;
  samples: number;
  offset(i: number): number;
}

export interface PlanScanOptions {
  limit: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
  chunkBytes?: number;
  /** lines known not to need the exact check (their answer comes from elsewhere) */
  skipLine?: (lineNo: number) => boolean;
  /** the same for a line found by its event's name: known not to match */
  skipNamed?: (lineNo: number, name: string) => boolean;
  /** the scan may stop past this line (the caller has all it needs up to it) */
  untilLine?: number;
  /** where the plan's zoned events are looked for: ascending, disjoint [start, end) byte ranges of whole lines */
  zoneBytes?: readonly (readonly [number, number])[];
}

/** The exact test of one candidate line (its text without terminator, 1-based number, byte offset). */
export type LineCheck = (text: string, lineNo: number, offset: number) => boolean;

const CHUNK = 4 << 20;
const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);

/** Line numbers of line starts, asked in increasing order, from the samples plus a short count. */
class LineCounter {
  private line = 1;
  private pos: number;
  private sample = 0;
  constructor(private readonly idx: SampledLines, firstLineOffset: number) {
    this.pos = firstLineOffset;
  }
  /** The number of the line starting at absolute `pos`; `buf` holds the bytes from `base` on, `pos` and the cursor included. */
  at(pos: number, buf: Buffer, base: number): number {
    const idx = this.idx;
    while (this.sample + 1 < idx.samples && idx.offset(this.sample + 1) <= pos) this.sample++;
    const s = idx.offset(this.sample);
    if (s > this.pos && s <= pos) {
      this.line = this.sample * idx.stride + 1;
      this.pos = s;
    }
    const end = pos - base;
    for (let q = this.pos - base; q < end; ) {
      const nl = buf.indexOf(10, q);
      if (nl < 0 || nl >= end) break;
      this.line++;
      q = nl + 1;
    }
    this.pos = pos;
    return this.line;
  }
  /** An over-long line ended at absolute `lf` (its bytes were skipped, not kept). */
  pastLongLine(lf: number): void {
    this.line++;
    this.pos = lf + 1;
  }
}

export async function planScan(path: string, plan: FilterPlan, idx: SampledLines, check: LineCheck, opts: PlanScanOptions): Promise<LargeFilterResult> {
  const t0 = performance.now();
  const out: number[] = [];
  let truncated = false;
  let scanned = idx.lineCount;
  const fh = await open(path, 'r');
  try {
    const total = (await fh.stat()).size;
    const chunk = Math.max(1024, opts.chunkBytes ?? CHUNK);
    // a line that does not end in one chunk is carried over (unless it is over the line limit)
    const buf = Buffer.allocUnsafe(chunk + DEFAULT_MAX_LINE_BYTES + 2);
    let base = 0;
    let carry = 0;
    let filePos = 0;
    let skippingLong = false;
    let done = false;
    let counter: LineCounter | undefined;
    const hits: number[] = [];
    const anyHit = plan.anyHit ?? [];
    const zoned = plan.zoned;
    const zoneBytes = opts.zoneBytes ?? [];
    let zone = 0;
    while (idx.lineCount > 0) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, carry, chunk, filePos);
      filePos += bytesRead;
      const eof = bytesRead === 0 || filePos >= total;
      const dataEnd = carry + bytesRead;
      let start = 0;
      if (!counter) {
        // line 1 starts after a byte-order mark
        start = dataEnd >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
        counter = new LineCounter(idx, start);
      }
      if (skippingLong) {
        const nl = buf.subarray(0, dataEnd).indexOf(10);
        if (nl < 0 && !eof) {
          base += dataEnd;
          carry = 0;
          continue;
        }
        if (nl < 0) break;
        skippingLong = false;
        counter.pastLongLine(base + nl);
        start = nl + 1;
      }
      // the complete lines of this chunk: up to its last newline (all of it at the end of the file)
      const procEnd = eof ? dataEnd : Math.max(start, buf.subarray(0, dataEnd).lastIndexOf(10) + 1);
      if (procEnd === start && !eof) {
        counter.at(base + start, buf, base);
        if (dataEnd - start > DEFAULT_MAX_LINE_BYTES) {
          // a line over the limit, which matches nothing: skip to its end
          skippingLong = true;
          base += dataEnd;
          carry = 0;
        } else {
          buf.copy(buf, 0, start, dataEnd);
          base += start;
          carry = dataEnd - start;
        }
        continue;
      }
      const view = buf.subarray(0, procEnd);
      // a hit is 3 * its position + its kind: 0 a name, 1 a needle (any line is a candidate), 2 a zoned name
      hits.length = 0;
      for (const pat of plan.patterns) for (let p = view.indexOf(pat, start); p >= 0; p = view.indexOf(pat, p + 1)) hits.push(3 * p);
      for (const pat of anyHit) for (let p = view.indexOf(pat, start); p >= 0; p = view.indexOf(pat, p + 1)) hits.push(3 * p + 1);
      if (zoned) {
        while (zone < zoneBytes.length && zoneBytes[zone][1] <= base + start) zone++;
        for (let z = zone; z < zoneBytes.length && zoneBytes[z][0] < base + procEnd; z++) {
          const from = Math.max(start, zoneBytes[z][0] - base);
          const upto = buf.subarray(0, Math.min(procEnd, zoneBytes[z][1] - base));
          for (const pat of zoned.patterns) for (let p = upto.indexOf(pat, from); p >= 0; p = upto.indexOf(pat, p + 1)) hits.push(3 * p + 2);
        }
      }
      hits.sort((a, b) => a - b);
      let nextLine = start;
      for (const h of hits) {
        const kind = h % 3;
        const p = (h - kind) / 3;
        if (p < nextLine) continue;
        let needles;
        let name: string | undefined;
        const names = kind === 0 ? plan.names : kind === 2 ? zoned?.names : undefined;
        if (names) {
          // an event name: whole, at the hit, then a space or the end of the line
          if (p > start && isIdent(view[p - 1])) continue;
          let e = p;
          while (e < procEnd && isIdent(view[e])) e++;
          const after = e < procEnd ? view[e] : -1;
          if (after !== 32 && after !== 10 && after !== 13 && after !== -1) continue;
          name = view.toString('latin1', p, e);
          if (!names.has(name)) continue;
          needles = names.get(name);
        }
        const ls = p === start ? start : Math.max(start, view.lastIndexOf(10, p - 1) + 1);
        let le = view.indexOf(10, p);
        if (le < 0) le = procEnd;
        nextLine = le + 1;
        // over the reader's limit: a parse error for the engine, no match
        if (le - ls > DEFAULT_MAX_LINE_BYTES) continue;
        if (needles) {
          const line = view.subarray(ls, le);
          if (!needles.some((n) => line.indexOf(n) >= 0)) continue;
        }
        const lineNo = counter.at(base + ls, buf, base);
        if (opts.untilLine !== undefined && lineNo > opts.untilLine) {
          done = true;
          break;
        }
        if (opts.skipLine?.(lineNo) || (name !== undefined && opts.skipNamed?.(lineNo, name))) continue;
        const textEnd = le > ls && view[le - 1] === 13 ? le - 1 : le;
        if (!check(view.toString('utf8', ls, textEnd), lineNo, base + ls)) continue;
        if (out.length === opts.limit) {
          truncated = true;
          scanned = lineNo;
          break;
        }
        out.push(lineNo);
      }
      opts.onProgress?.(Math.min(filePos, total), total);
      if (truncated || eof || done) break;
      counter.at(base + procEnd, buf, base);
      if (dataEnd - procEnd > DEFAULT_MAX_LINE_BYTES) {
        skippingLong = true;
        base += dataEnd;
        carry = 0;
        continue;
      }
      buf.copy(buf, 0, procEnd, dataEnd);
      base += procEnd;
      carry = dataEnd - procEnd;
    }
  } finally {
    await fh.close();
  }
  return { lines: out, truncated, scanned, millis: performance.now() - t0 };
}
