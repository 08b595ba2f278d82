// Reading a trace: text (log backend / ftrace) or simpletrace binary, told apart by the first
// bytes. Three ways in: a callback over a file (fastest; bounded memory), an async iterator over
// a file, and a sync function over a string or buffer (tests, the language server).
import type { TraceRecord } from '../types.js';
import { EventCatalog, type CatalogOptions } from '../catalog/eventCatalog.js';
import { createLineClassifier, type LineClassifier } from './logLine.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter, type ByteLineHook } from './lineSource.js';
import { isSimpletrace, SimpletraceDecoder } from './simpletrace.js';
import { openRegularFile } from './inputFile.js';
import { ByteEventScanner, type ByteEvent } from './byteEvents.js';

export type TraceFormat = 'text' | 'simpletrace';

export interface TraceReadOptions extends CatalogOptions {
  /** definitions to match against (default: the built-in catalog, honouring vtdDecimalDomain) */
  catalog?: EventCatalog;
  /** longer lines are cut: the record keeps the start and says why (default 1 MiB) */
  maxLineBytes?: number;
  /**
   * Check every event line against its formats as usual (same kinds, same malformed records) but
   * build `fields` only when a consumer reads it (a getter on the record, cached). Much faster
   * when most events are not looked at; records are then class instances, not plain objects.
   */
  lazyFields?: boolean;
  /** with lazyFields: names whose fields are built at once (see LineClassifierOptions) */
  eagerFields?: ReadonlySet<string>;
  /**
   * Text traces: lines the byte reader recognises whole (a known event one of whose formats
   * accepts it; byteEvents.ts) come here instead of becoming records, with the fields built for
   * names in eagerFields. Return false to have the line read as a record after all (onRecord).
   * Lines are still delivered in order, each once, to one of the two.
   */
  onMatchedEvent?: MatchedEventSink;
}

export type MatchedEventSink = (line: number, ev: ByteEvent) => boolean;

export interface TraceFileOptions extends TraceReadOptions {
  /** read size (default 4 MiB); one buffer of this size is reused */
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface TraceReadSummary {
  format: TraceFormat;
  bytes: number;
  /** lines (text) or event records (simpletrace) */
  records: number;
}

const DEFAULT_CHUNK = 4 << 20;

const catalogCache = new Map<string, EventCatalog>();
function catalogFor(opts: TraceReadOptions): EventCatalog {
  if (opts.catalog) return opts.catalog;
  const key = opts.vtdDecimalDomain ? 'dec' : 'hex';
  let c = catalogCache.get(key);
  if (!c) {
    c = EventCatalog.builtin({ vtdDecimalDomain: opts.vtdDecimalDomain });
    catalogCache.set(key, c);
  }
  return c;
}

export function detectTraceFormat(head: Uint8Array): TraceFormat {
  return isSimpletrace(head) ? 'simpletrace' : 'text';
}

/**
 * Text lines → records, with the over-long-line policy applied. A line that does not match its
 * format and ends with a space may be a soft-wrapped mail line (format=flowed): it is held one
 * line and, when it and the next line (its quoting removed) make a valid event, read as one
 * record on the first line; otherwise it is reported on its own line as before.
 */
function textSink(classify: LineClassifier, maxLineBytes: number, onRecord: (r: TraceRecord) => void) {
  let held: { text: string; rec: TraceRecord } | undefined;
  const take = (text: string, lineNo: number, offset: number): void => {
    if (held) {
      const first = held;
      held = undefined;
      const joined = classify(first.text + text.replace(/^[>\s]*/, ''), first.rec.line, first.rec.offset);
      if (joined.kind === 'event' && joined.def !== undefined) {
        onRecord(joined);
        onRecord({ kind: 'blank', line: lineNo, offset });
        return;
      }
      onRecord(first.rec);
    }
    const rec = classify(text, lineNo, offset);
    if (rec.kind === 'malformed' && text.endsWith(' ') && text.length < SOFT_WRAP_MAX) held = { text, rec };
    else onRecord(rec);
  };
  const sink = (text: string, lineNo: number, offset: number, cutBytes: number): void => {
    if (cutBytes < 0) {
      take(text, lineNo, offset);
      return;
    }
    if (held) {
      onRecord(held.rec);
      held = undefined;
    }
    const reason = `line is ${cutBytes} bytes, over the ${maxLineBytes}-byte limit; only its first ${Buffer.byteLength(text)} bytes were read`;
    const r = classify(text, lineNo, offset);
    if (r.kind === 'event' || r.kind === 'malformed') {
      const column = r.kind === 'malformed' ? r.column : text.length + 1;
      onRecord({ kind: 'malformed', line: lineNo, offset, name: r.name, body: r.body, column, reason, prefix: r.prefix });
    } else {
      onRecord({ kind: 'text', line: lineNo, offset, text, prefix: r.kind === 'text' ? r.prefix : undefined, reason });
    }
  };
  const flush = (): void => {
    if (held) onRecord(held.rec);
    held = undefined;
  };
  /** a line is held: the next one may complete it, so it must take the string path */
  const holding = (): boolean => held !== undefined;
  return { sink, flush, holding };
}

/** Mail clients wrap at ~78 columns; a longer line ending in a space is not a soft wrap. */
const SOFT_WRAP_MAX = 1024;

/** A push-style decoder for either format; the format is fixed by the first bytes. */
export class TraceDecoder {
  private head: Buffer | undefined = Buffer.alloc(0);
  private text: LineSplitter | undefined;
  private flushText: (() => void) | undefined;
  private bin: SimpletraceDecoder | undefined;
  private records = 0;
  private bytes = 0;
  private readonly deliver: (r: TraceRecord) => void;

  constructor(private readonly onRecord: (r: TraceRecord) => void, private readonly opts: TraceReadOptions = {}) {
    this.deliver = (r) => {
      this.records++;
      this.onRecord(r);
    };
  }

  get format(): TraceFormat | undefined {
    return this.text ? 'text' : this.bin ? 'simpletrace' : undefined;
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.head !== undefined) {
      // 16 bytes decide the format; a short first read must not decide it too early
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < 16) return;
      chunk = this.head;
      this.head = undefined;
      this.start(chunk);
    }
    if (this.text) this.text.push(chunk);
    else this.bin?.push(chunk);
  }

  end(): TraceReadSummary {
    if (this.head !== undefined) {
      const rest = this.head;
      this.head = undefined;
      this.start(rest);
      if (this.text) this.text.push(rest);
      else this.bin?.push(rest);
    }
    this.text?.end();
    this.flushText?.();
    this.bin?.end();
    return { format: this.format ?? 'text', bytes: this.bytes, records: this.records };
  }

  private start(head: Buffer): void {
    const catalog = catalogFor(this.opts);
    if (isSimpletrace(head)) {
      this.bin = new SimpletraceDecoder(catalog, this.deliver);
    } else {
      const max = this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
      const { sink, flush, holding } = textSink(createLineClassifier(catalog, { lazyFields: this.opts.lazyFields, eagerFields: this.opts.eagerFields }), max, this.deliver);
      const matched = this.opts.onMatchedEvent;
      let hook: ByteLineHook | undefined;
      if (matched !== undefined) {
        const scanner = new ByteEventScanner(catalog, this.opts.eagerFields);
        hook = (buf, start, end, lineNo) => {
          if (holding()) return false;
          const ev = scanner.line(buf, start, end);
          if (ev === undefined || !matched(lineNo, ev)) return false;
          this.records++;
          return true;
        };
      }
      this.text = new LineSplitter(sink, max, hook);
      this.flushText = flush;
    }
  }
}

/** Parse a whole trace held in memory. Never throws for text; simpletrace corruption throws. */
export function readTraceBytes(bytes: Uint8Array, opts: TraceReadOptions = {}): TraceRecord[] {
  const out: TraceRecord[] = [];
  const d = new TraceDecoder((r) => out.push(r), opts);
  d.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  d.end();
  return out;
}

/** Parse trace text (e.g. an editor document). Offsets are UTF-8 byte offsets. */
export function readTraceText(text: string, opts: TraceReadOptions = {}): TraceRecord[] {
  const out: TraceRecord[] = [];
  const d = new TraceDecoder((r) => out.push(r), opts);
  // text never starts with a simpletrace header, but keep one code path for splitting
  d.push(Buffer.from(text, 'utf8'));
  d.end();
  return out;
}

/**
 * Stream a trace file into `onRecord` (called synchronously, in order). Memory stays bounded by
 * one chunk plus one line. Rejects on I/O errors, abort, or simpletrace corruption (records
 * before the corrupt byte have been delivered; the error carries its offset).
 */
export async function readTrace(path: string, onRecord: (r: TraceRecord) => void, opts: TraceFileOptions = {}): Promise<TraceReadSummary> {
  const d = new TraceDecoder(onRecord, opts);
  for await (const chunk of fileChunks(path, opts)) d.push(chunk);
  return d.end();
}

/** The file in reused chunks of `chunkBytes`, with progress and abort between chunks. */
async function* fileChunks(path: string, opts: TraceFileOptions): AsyncGenerator<Buffer> {
  // not /dev/zero, a FIFO or a directory: those never end, block, or are not text
  const fh = await openRegularFile(path);
  try {
    const total = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(opts.chunkBytes ?? DEFAULT_CHUNK);
    let read = 0;
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      read += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      opts.onProgress?.(read, total);
    }
  } finally {
    await fh.close();
  }
}

/** Async iteration over a file's records; records are produced a chunk at a time. */
export async function* readTraceFile(path: string, opts: TraceFileOptions = {}): AsyncGenerator<TraceRecord, TraceReadSummary, undefined> {
  let batch: TraceRecord[] = [];
  const d = new TraceDecoder((r) => batch.push(r), opts);
  for await (const chunk of fileChunks(path, opts)) {
    let failure: unknown;
    try {
      d.push(chunk);
    } catch (e) {
      failure = e;
    }
    const ready = batch;
    batch = [];
    yield* ready;
    if (failure !== undefined) throw failure;
  }
  let failure: unknown;
  let summary: TraceReadSummary | undefined;
  try {
    summary = d.end();
  } catch (e) {
    failure = e;
  }
  yield* batch;
  if (failure !== undefined || !summary) throw failure;
  return summary;
}
