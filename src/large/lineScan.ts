// The first pass over a large trace: newlines only, over the bytes (no string per line, no
// parsing), keeping the offset of every `stride`-th line. It is what the viewer waits for before
// it can scroll, so it runs close to `wc -l`; the replay (what costs) comes after, in the
// background (backgroundReplay.ts). Lines follow the trace reader's rules (LineSplitter): LF ends
// a line, a final line without LF is a line, a UTF-8 BOM is not part of line 1 (its offset is 3).
import type { FileHandle } from 'node:fs/promises';
import { LargeTraceError, OffsetTable, type FileIdentity } from './lineIndex.js';

export interface LineScanOptions {
  stride: number;
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
}

export interface LineScan {
  lines: number;
  offsets: OffsetTable;
  identity: FileIdentity;
}

const SCAN_CHUNK = 4 << 20;

/** Count the lines of the open file `fh` (named `path` in errors) and sample their offsets. */
export async function scanLines(fh: FileHandle, path: string, opts: LineScanOptions): Promise<LineScan> {
  const { stride } = opts;
  if (!Number.isInteger(stride) || stride < 1) throw new LargeTraceError(`line index stride must be a positive integer, got ${stride}`);
  const before = await fh.stat();
  if (!before.isFile()) throw new LargeTraceError(`${path} is not a regular file`);
  const size = before.size;
  const offsets = new OffsetTable();
  const buf = Buffer.allocUnsafe(Math.max(16, opts.chunkBytes ?? SCAN_CHUNK));
  let lines = 0;
  // lines until the next sampled one (a line is sampled when this reaches 0)
  let untilSample = 0;
  let read = 0;
  const startLine = (offset: number): void => {
    lines++;
    if (untilSample === 0) {
      offsets.push(offset);
      untilSample = stride;
    }
    untilSample--;
  };
  for (;;) {
    opts.signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, buf.length, read);
    if (bytesRead === 0) break;
    const chunk = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    if (read === 0) {
      // line 1 starts after a byte-order mark (a file of only a BOM has no line)
      const bom = bytesRead >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
      if (bom < size) startLine(bom);
    }
    const base = read;
    read += bytesRead;
    // every LF starts a line unless it is the file's last byte
    for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) {
      if (base + p + 1 < size) startLine(base + p + 1);
    }
    opts.onProgress?.(read, size);
  }
  const after = await fh.stat();
  if (after.size !== read || read !== size || after.mtimeMs !== before.mtimeMs) {
    throw new LargeTraceError(`${path} changed while it was being indexed (read ${read} bytes, now ${after.size}); reopen it when it is complete`);
  }
  return { lines, offsets, identity: { size, mtimeMs: after.mtimeMs } };
}
