// The replay of a large trace, after its line index: the engine is fed chunk by chunk, giving the
// event loop back every few milliseconds so the viewer's requests (lines, filters, hovers on
// lines already replayed) are answered while it runs. The engine's timeline keeps every mapping
// with the lines that created and removed it, so the state at any line the replay has passed is
// already final: a request about line N waits only for the replay to pass N, never for the end.
// Two things are known only later, and the answers say so until then: whether a map call that
// was the last event so far failed (the next event settles it), and what the end of the trace
// reports (mappings never unmapped).
import { open } from 'node:fs/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { TraceDecoder } from '../trace/read/traceReader.js';
import { DEFAULT_MAX_LINE_BYTES } from '../trace/read/lineSource.js';
import { TraceEngine } from '../trace/replay/engine.js';
import { handledEvents } from '../trace/replay/handlers.js';
import type { ReplayOptions } from '../trace/replay/context.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { LargeTraceError, type FileIdentity } from './lineIndex.js';
import { DeviceColumn } from './deviceColumn.js';
import { RangeZones } from './rangeZones.js';

/** Bytes handed to the decoder at once, and how long the replay runs before it yields. */
const REPLAY_CHUNK = 64 * 1024;
const SLICE_MS = 12;

export interface ReplayProgress {
  /** every line up to here is replayed and settled (0: none yet) */
  line: number;
  bytes: number;
  total: number;
  done: boolean;
}

export interface ReplayDone {
  events: number;
  diagnostics: number;
  millis: number;
}

interface Waiter {
  line: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class BackgroundReplay {
  readonly engine: TraceEngine;
  /** each line's BDF device, for the filters (complete when the replay is done) */
  readonly devices: DeviceColumn;
  /** where each stretch of lines reaches in each address space, for the filters (complete when the replay is done) */
  readonly zones: RangeZones;
  /** resolves when the whole file is replayed; rejects if it cannot be (file changed, closed) */
  readonly done: Promise<ReplayDone>;
  private settledLine = 0;
  private lastPushed = 0;
  private bytes = 0;
  private finished = false;
  private failure: Error | undefined;
  private waiters: Waiter[] = [];
  private readonly listeners = new Set<(p: ReplayProgress) => void>();
  private readonly stop = new AbortController();

  constructor(
    private readonly path: string,
    private readonly identity: FileIdentity,
    private readonly lineCount: number,
    catalog: EventCatalog,
    replay: Partial<ReplayOptions> | undefined,
    private readonly chunkBytes = REPLAY_CHUNK,
  ) {
    this.engine = new TraceEngine(replay);
    const engine = this.engine;
    const devices = (this.devices = new DeviceColumn(lineCount));
    const zones = (this.zones = new RangeZones(lineCount));
    const decoder = new TraceDecoder((rec) => {
      engine.push(rec);
      // (an event the engine does not handle has its fields parsed here only when noted: rare ones)
      if (rec.kind === 'event' && rec.def) {
        if (DeviceColumn.notes(rec.def) && rec.fields) devices.note(rec.line, rec.name, rec.fields);
        if (RangeZones.notes(rec.def) && rec.fields) zones.note(rec.line, rec.name, rec.fields);
      }
      // an event settles every line before it (a map's outcome is known at the next event)
      if (rec.kind === 'event' || rec.kind === 'malformed') this.settledLine = rec.line - 1;
      this.lastPushed = rec.line;
    }, { catalog, lazyFields: true, eagerFields: handledEvents, maxLineBytes: DEFAULT_MAX_LINE_BYTES });
    this.done = this.run(decoder).then(
      (r) => r,
      (e: Error) => {
        this.failure = e.name === 'AbortError' ? new LargeTraceError(`${this.path} was closed before its replay finished`) : e;
        for (const w of this.waiters.splice(0)) w.reject(this.failure);
        throw this.failure;
      },
    );
    // whoever needs the result awaits it; a failure is also reported through them
    this.done.catch(() => undefined);
  }

  get progress(): ReplayProgress {
    return { line: this.finished ? this.lineCount : this.settledLine, bytes: this.bytes, total: this.identity.size, done: this.finished };
  }

  get isDone(): boolean {
    return this.finished;
  }

  /** Is the state after `line` final apart from the end-of-trace findings? */
  covers(line: number): boolean {
    return this.finished || line <= this.settledLine;
  }

  /** Resolves when `line` is covered (at once if it is); rejects if the replay fails. */
  waitFor(line: number): Promise<void> {
    if (this.covers(line)) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ line, resolve, reject }));
  }

  onProgress(l: (p: ReplayProgress) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Stop reading (the trace is being closed). */
  cancel(): void {
    this.stop.abort();
  }

  private report(): void {
    if (this.waiters.length) {
      const still: Waiter[] = [];
      for (const w of this.waiters) {
        if (this.covers(w.line)) w.resolve();
        else still.push(w);
      }
      this.waiters = still;
    }
    const p = this.progress;
    for (const l of this.listeners) l(p);
  }

  private async run(decoder: TraceDecoder): Promise<ReplayDone> {
    const t0 = performance.now();
    // a turn of the event loop first: open() answers before any replay work is done
    await yieldToLoop();
    const fh = await open(this.path, 'r').catch((e: NodeJS.ErrnoException) => {
      throw new LargeTraceError(`cannot open trace ${this.path} for its replay: ${e.message}`);
    });
    try {
      const buf = Buffer.allocUnsafe(this.chunkBytes);
      let slice = performance.now();
      for (;;) {
        this.stop.signal.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.bytes);
        if (bytesRead === 0) break;
        this.bytes += bytesRead;
        if (this.bytes > this.identity.size) break;
        decoder.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        if (performance.now() - slice >= SLICE_MS) {
          this.report();
          await yieldToLoop();
          slice = performance.now();
        }
      }
      decoder.end();
      const st = await fh.stat();
      if (this.bytes !== this.identity.size || st.size !== this.identity.size || st.mtimeMs !== this.identity.mtimeMs) {
        throw new LargeTraceError(`${this.path} changed on disk while it was being replayed (indexed ${this.identity.size} bytes, now ${st.size}); reopen it to index it again`);
      }
      if (this.lastPushed !== this.lineCount) throw new LargeTraceError(`${this.path}: the replay read ${this.lastPushed} lines but the index counted ${this.lineCount}; the file changed since it was indexed`);
    } finally {
      await fh.close();
    }
    this.engine.finish();
    this.finished = true;
    this.report();
    return { events: this.engine.summary().events, diagnostics: this.engine.diagnostics().length, millis: performance.now() - t0 };
  }
}
