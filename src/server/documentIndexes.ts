// The indexes of open documents, rebuilt after edits settle (debounce) a slice of lines at a
// time (a line budget and a time budget), yielding to the event loop between slices so requests
// and edits are never blocked for long.
// An edit during a build abandons it; requests wait for the build of the newest version.
import { TraceIndexBuilder, type IndexOptions, type TraceIndex } from './traceIndex.js';

export interface ProgressSink {
  report(percent: number, message: string): void;
  done(): void;
}

export interface DocumentIndexesOptions {
  debounceMs?: number;
  /** lines per slice between yields, at most */
  sliceLines?: number;
  /** milliseconds per slice, at most (checked every few hundred lines): a slow stretch of a trace still yields */
  sliceMs?: number;
  index?: IndexOptions;
  /** a finished index of the newest version of a document */
  onIndexed?: (index: TraceIndex, version: number, millis: number) => void;
  /** asked once per build of a document with more than `progressLines` lines */
  progress?: (uri: string, lines: number) => Promise<ProgressSink | undefined>;
  progressLines?: number;
  onError?: (uri: string, e: unknown) => void;
}

interface Entry {
  version: number;
  /** the newest text until its index is built (then the index holds it) */
  text?: string;
  /** bumps on every update: a build whose generation is stale stops */
  generation: number;
  timer?: ReturnType<typeof setTimeout>;
  building: boolean;
  index?: TraceIndex;
  indexVersion?: number;
  waiters: ((i: TraceIndex | undefined) => void)[];
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/** Lines per check of the clock inside a slice. */
const CHUNK_LINES = 128;

/** One slice: up to `maxLines` lines or `maxMs` milliseconds; true when every line is in. */
function stepFor(b: TraceIndexBuilder, maxLines: number, maxMs: number): boolean {
  const t0 = performance.now();
  for (let left = maxLines; left > 0; left -= CHUNK_LINES) {
    if (b.step(Math.min(left, CHUNK_LINES))) return true;
    if (performance.now() - t0 >= maxMs) return false;
  }
  return false;
}

export class DocumentIndexes {
  private readonly docs = new Map<string, Entry>();
  constructor(private opts: DocumentIndexesOptions = {}) {}

  /** New text of a document; `now` skips the debounce (a freshly opened document). */
  update(uri: string, version: number, text: string, now = false): void {
    let e = this.docs.get(uri);
    if (!e) this.docs.set(uri, (e = { version, text, generation: 0, building: false, waiters: [] }));
    e.version = version;
    e.text = text;
    const generation = ++e.generation;
    if (e.timer) clearTimeout(e.timer);
    const entry = e;
    const start = () => {
      entry.timer = undefined;
      void this.build(uri, entry, generation, version, text);
    };
    if (now) start();
    else entry.timer = setTimeout(start, this.opts.debounceMs ?? 200);
  }

  /** New index options (another event catalog, another QEMU layout): every open document is rebuilt. */
  reconfigure(index: IndexOptions): void {
    this.opts = { ...this.opts, index };
    for (const [uri, e] of this.docs) {
      const text = e.text ?? e.index?.store.source;
      if (text !== undefined) this.update(uri, e.version, text, true);
    }
  }

  /** Rebuild one document now (e.g. its merged QEMU log changed). */
  rebuild(uri: string): void {
    const e = this.docs.get(uri);
    const text = e?.text ?? e?.index?.store.source;
    if (e && text !== undefined) this.update(uri, e.version, text, true);
  }

  close(uri: string): void {
    const e = this.docs.get(uri);
    if (!e) return;
    if (e.timer) clearTimeout(e.timer);
    e.generation++;
    this.docs.delete(uri);
    for (const w of e.waiters.splice(0)) w(undefined);
  }

  /** The index of the newest version (waits for a pending build); undefined if not open. */
  get(uri: string): Promise<TraceIndex | undefined> {
    const e = this.docs.get(uri);
    if (!e) return Promise.resolve(undefined);
    if (e.index && e.indexVersion === e.version && !e.timer && !e.building) return Promise.resolve(e.index);
    return new Promise((r) => e.waiters.push(r));
  }

  /** The last finished index, maybe of an older version (never waits). */
  latest(uri: string): TraceIndex | undefined {
    return this.docs.get(uri)?.index;
  }

  uris(): string[] {
    return [...this.docs.keys()];
  }

  private async build(uri: string, e: Entry, generation: number, version: number, text: string): Promise<void> {
    const t0 = performance.now();
    e.building = true;
    let progress: ProgressSink | undefined;
    try {
      const b = new TraceIndexBuilder(uri, text, this.opts.index);
      if (this.opts.progress && b.total > (this.opts.progressLines ?? 20000)) progress = await this.opts.progress(uri, b.total);
      const slice = this.opts.sliceLines ?? 5000;
      const sliceMs = this.opts.sliceMs ?? 15;
      let lastPct = -1;
      while (!stepFor(b, slice, sliceMs)) {
        const pct = Math.floor((100 * b.done) / b.total);
        if (progress && pct !== lastPct) progress.report(pct, `${b.done} of ${b.total} lines`);
        lastPct = pct;
        await yieldToLoop();
        if (e.generation !== generation) return;
      }
      const index = b.finish();
      if (e.generation !== generation) return;
      e.index = index;
      e.indexVersion = version;
      if (e.version === version) e.text = undefined;
      this.opts.onIndexed?.(index, version, performance.now() - t0);
    } catch (err) {
      this.opts.onError?.(uri, err);
    } finally {
      progress?.done();
      if (e.generation === generation) {
        e.building = false;
        for (const w of e.waiters.splice(0)) w(e.index);
      }
    }
  }
}
