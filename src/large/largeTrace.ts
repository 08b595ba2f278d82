// A trace file of any size, opened for viewing: one streaming pass builds the sparse line index
// and feeds the replay engine; afterwards lines are read back on demand and hover, definition,
// diagnostics and filters are answered from the engine's timeline plus the few lines concerned.
// Memory: the engine's model (mappings and checkpoints) plus O(lines / stride) offsets.
import { open } from 'node:fs/promises';
import { catalogFor } from '../trace/analyze.js';
import { isSimpletraceFile, simpletraceToText } from './simpletraceText.js';
import { TraceDecoder } from '../trace/read/traceReader.js';
import { DEFAULT_MAX_LINE_BYTES } from '../trace/read/lineSource.js';
import { TraceEngine, type TableState } from '../trace/replay/engine.js';
import { handledEvents } from '../trace/replay/handlers.js';
import type { ReplayOptions } from '../trace/replay/context.js';
import type { Diagnostic } from '../trace/replay/diagnostics.js';
import type { ResolveOptions, ResolveResult } from '../trace/replay/resolveAt.js';
import type { Space } from '../trace/replay/spaces.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { hover as serverHover } from '../server/hover.js';
import { resolveRequest, stateAt as serverStateAt } from '../server/requests.js';
import type { ResolveParams, StateAtResult } from '../server/protocol.js';
import type { WireResolveAnswer } from '../shared/protocol/resolveWire.js';
import { LargeTraceError, LineIndex, LineIndexBuilder, DEFAULT_STRIDE } from './lineIndex.js';
import type { LargeFilterResult, LargeHover, LargeTraceSummary, LineText } from '../shared/protocol/largeTrace.js';
import { WindowIndex } from './windowIndex.js';
import { definitionLines } from '../server/definitionLines.js';
import { parseCriteria, scanFilter, type FilterCriteria, type FilterScanOptions } from './filter.js';

export interface LargeTraceOptions {
  /** keep the offset of every `stride`-th line (default 128) */
  stride?: number;
  traceEvents?: string[];
  replay?: Partial<ReplayOptions>;
  /** prefix of the "line N" links in hover text (the language server's document URI); default none */
  uri?: string;
  chunkBytes?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
}

export class LargeTrace {
  private readonly diags: Diagnostic[];

  private constructor(
    readonly path: string,
    private readonly lineIndex: LineIndex,
    readonly engine: TraceEngine,
    private readonly window: WindowIndex,
    private readonly catalog: EventCatalog,
    private readonly info: LargeTraceSummary,
  ) {
    this.diags = engine.diagnostics();
  }

  static async open(path: string, opts: LargeTraceOptions = {}): Promise<LargeTrace> {
    if (await isSimpletraceFile(path)) {
      // binary simpletrace: viewed through its text form, one line per record
      const { catalog } = await catalogFor(opts.traceEvents);
      const text = await simpletraceToText(path, catalog, opts.signal, opts.onProgress).catch((e: Error) => {
        throw new LargeTraceError(e.message);
      });
      try {
        const t = await LargeTrace.open(text.path, opts);
        t.cleanup = text.remove;
        return t;
      } catch (e) {
        await text.remove();
        throw e;
      }
    }
    const t0 = performance.now();
    const { catalog, problems } = await catalogFor(opts.traceEvents);
    const engine = new TraceEngine(opts.replay);
    const built = new LineIndexBuilder(opts.stride ?? DEFAULT_STRIDE);
    const decoder = new TraceDecoder((rec) => {
      built.line(rec.line, rec.offset);
      engine.push(rec);
    }, { catalog, lazyFields: true, eagerFields: handledEvents, maxLineBytes: DEFAULT_MAX_LINE_BYTES });
    const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      throw new LargeTraceError(`cannot open trace ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    let identity;
    try {
      const before = await fh.stat();
      if (!before.isFile()) throw new LargeTraceError(`${path} is not a regular file`);
      const buf = Buffer.allocUnsafe(opts.chunkBytes ?? 1 << 20);
      let read = 0;
      for (;;) {
        opts.signal?.throwIfAborted();
        const { bytesRead } = await fh.read(buf, 0, buf.length, read);
        if (bytesRead === 0) break;
        read += bytesRead;
        decoder.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
        opts.onProgress?.(read, before.size);
      }
      decoder.end();
      const after = await fh.stat();
      if (after.size !== read || after.mtimeMs !== before.mtimeMs) throw new LargeTraceError(`${path} changed while it was being indexed (read ${read} bytes, now ${after.size}); reopen it when it is complete`);
      identity = { size: after.size, mtimeMs: after.mtimeMs };
    } finally {
      await fh.close();
    }
    engine.finish();
    const lineIndex = await LineIndex.open(path, identity, built);
    const window = new WindowIndex(opts.uri ?? '', built.lines, engine, catalog);
    const s = engine.summary();
    const info: LargeTraceSummary = {
      path,
      bytes: identity.size,
      lines: built.lines,
      events: s.events,
      diagnostics: engine.diagnostics().length,
      indexMillis: performance.now() - t0,
      indexBytes: lineIndex.indexBytes,
      definitionProblems: problems,
    };
    return new LargeTrace(path, lineIndex, engine, window, catalog, info);
  }

  get summary(): LargeTraceSummary {
    return this.info;
  }

  get lineCount(): number {
    return this.lineIndex.lineCount;
  }

  /** removes what open() made for this view (the text form of a simpletrace file) */
  private cleanup: (() => Promise<void>) | undefined;

  async close(): Promise<void> {
    await this.lineIndex.close();
    await this.cleanup?.();
  }

  lines(from: number, count: number, maxShownBytes?: number): Promise<LineText[]> {
    return this.lineIndex.lines(from, count, maxShownBytes);
  }

  linesAt(lineNos: readonly number[], maxShownBytes?: number): Promise<LineText[]> {
    return this.lineIndex.linesAt(lineNos, maxShownBytes);
  }

  /** Read 1-based `line` back and load it into the window; undefined for an over-long line. */
  private async loadLine(line: number): Promise<number | undefined> {
    const t = await this.lineIndex.line(line, DEFAULT_MAX_LINE_BYTES);
    if (t.cut !== undefined) return undefined;
    return this.window.load(line, t.text);
  }

  private checkColumn(line: number, column: number): void {
    if (!Number.isInteger(column) || column < 0) throw new LargeTraceError(`column ${column} on line ${line} must be an integer ≥ 0`);
  }

  /** What the language server would show when hovering 0-based `column` of 1-based `line`. */
  async hover(line: number, column: number): Promise<LargeHover | null> {
    this.checkColumn(line, column);
    const l0 = await this.loadLine(line);
    if (l0 === undefined) return null;
    const h = serverHover(this.window.index, { line: l0, character: column }, { fullDiagnostics: true });
    if (!h || !h.range) return null;
    return { markdown: (h.contents as { value: string }).value, line, start: h.range.start.character, end: h.range.end.character };
  }

  /** The 1-based lines go-to-definition leads to from `column` of `line`. */
  async definition(line: number, column: number): Promise<number[]> {
    this.checkColumn(line, column);
    const l0 = await this.loadLine(line);
    if (l0 === undefined) return [];
    return definitionLines(this.window.index, l0, column);
  }

  /** Diagnostics on lines from..to (1-based, inclusive), in line order. */
  diagnostics(from = 1, to = Number.MAX_SAFE_INTEGER): Diagnostic[] {
    let lo = 0;
    let hi = this.diags.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.diags[mid].line < from) lo = mid + 1;
      else hi = mid;
    }
    const out: Diagnostic[] = [];
    for (let i = lo; i < this.diags.length && this.diags[i].line <= to; i++) out.push(this.diags[i]);
    return out;
  }

  async filter(criteria: FilterCriteria, opts: FilterScanOptions = {}): Promise<LargeFilterResult> {
    const parsed = parseCriteria(criteria);
    await this.lineIndex.checkUnchanged();
    const r = await scanFilter(this.path, this.catalog, parsed, opts);
    await this.lineIndex.checkUnchanged();
    return r;
  }

  /** stateAt as the language server's request answers it (hex addresses, plain JSON). */
  stateAtWire(line: number): StateAtResult {
    return serverStateAt(this.window.index, line);
  }

  /** resolve as the language server's request answers it; bad space/address/line throw a RequestError. */
  resolveWire(p: Omit<ResolveParams, 'uri'>): WireResolveAnswer {
    return resolveRequest(this.window.index, { ...p, uri: this.window.index.uri });
  }

  stateAt(line: number): TableState[] {
    this.checkLine(line);
    return this.engine.stateAt(line);
  }

  resolve(space: Space, addr: bigint, line: number, opts: ResolveOptions = {}): ResolveResult {
    this.checkLine(line);
    return this.engine.resolve(space, addr, line, opts);
  }

  private checkLine(line: number): void {
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount) throw new LargeTraceError(`line ${line} is outside ${this.path} (lines 1..${this.lineCount})`);
  }
}
