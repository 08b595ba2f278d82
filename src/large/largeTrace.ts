// A trace file of any size, opened for viewing in two passes: a newline scan over the bytes builds
// the sparse line index (the viewer can scroll and filter then), and the replay engine follows in
// the background (backgroundReplay.ts). Lines are read back on demand; hover, definition, state
// and resolve are answered from the engine's timeline plus the few lines concerned, as soon as
// the replay has passed their line. Memory: the engine's model plus O(lines / stride) offsets.
import { open } from 'node:fs/promises';
import { catalogFor } from '../trace/analyze.js';
import { isSimpletraceFile, simpletraceToText } from './simpletraceText.js';
import { DEFAULT_MAX_LINE_BYTES } from '../trace/read/lineSource.js';
import type { TraceEngine, TableState } from '../trace/replay/engine.js';
import type { ReplayOptions } from '../trace/replay/context.js';
import type { Diagnostic } from '../trace/replay/diagnostics.js';
import type { ResolveOptions, ResolveResult } from '../trace/replay/resolveAt.js';
import type { Space } from '../trace/replay/spaces.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { hover as serverHover } from '../server/hover.js';
import { resolveRequest, stateAt as serverStateAt } from '../server/requests.js';
import type { ResolveParams, StateAtResult } from '../server/protocol.js';
import type { WireResolveAnswer } from '../shared/protocol/resolveWire.js';
import { LargeTraceError, LineIndex, DEFAULT_STRIDE } from './lineIndex.js';
import { scanLines } from './lineScan.js';
import { BackgroundReplay, type ReplayProgress } from './backgroundReplay.js';
import { partialNote, percentOf, stillReplaying } from './replayNotes.js';
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
  /** the diagnostics in line order, taken once the replay is done */
  private diags: Diagnostic[] | undefined;

  private constructor(
    readonly path: string,
    private readonly lineIndex: LineIndex,
    private readonly replay: BackgroundReplay,
    private readonly window: WindowIndex,
    private readonly catalog: EventCatalog,
    private info: LargeTraceSummary,
  ) {}

  /** Open `path` and wait for its whole replay (what tests and one-shot callers want). */
  static async open(path: string, opts: LargeTraceOptions = {}): Promise<LargeTrace> {
    const t = await LargeTrace.openIndex(path, opts);
    try {
      await t.replayDone();
    } catch (e) {
      await t.close();
      throw e;
    }
    return t;
  }

  /**
   * Open `path` as soon as its lines are indexed (a newline scan over the bytes): lines and
   * filters answer at once; the replay runs in the background (`replayDone`, `replayProgress`),
   * and model requests about a line wait for the replay to pass it.
   */
  static async openIndex(path: string, opts: LargeTraceOptions = {}): Promise<LargeTrace> {
    if (await isSimpletraceFile(path)) {
      // binary simpletrace: viewed through its text form, one line per record
      const { catalog } = await catalogFor(opts.traceEvents);
      const text = await simpletraceToText(path, catalog, opts.signal, opts.onProgress).catch((e: Error) => {
        throw new LargeTraceError(e.message);
      });
      try {
        const t = await LargeTrace.openIndex(text.path, opts);
        t.cleanup = text.remove;
        return t;
      } catch (e) {
        await text.remove();
        throw e;
      }
    }
    const t0 = performance.now();
    const { catalog, problems } = await catalogFor(opts.traceEvents);
    const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      throw new LargeTraceError(`cannot open trace ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    let scan;
    try {
      scan = await scanLines(fh, path, { stride: opts.stride ?? DEFAULT_STRIDE, chunkBytes: opts.chunkBytes, signal: opts.signal, onProgress: opts.onProgress });
    } finally {
      await fh.close();
    }
    const lineIndex = await LineIndex.open(path, scan.identity, { lines: scan.lines, stride: opts.stride ?? DEFAULT_STRIDE, offsets: scan.offsets });
    const replay = new BackgroundReplay(path, scan.identity, scan.lines, catalog, opts.replay, opts.chunkBytes);
    const window = new WindowIndex(opts.uri ?? '', scan.lines, replay.engine, catalog);
    const info: LargeTraceSummary = {
      path,
      bytes: scan.identity.size,
      lines: scan.lines,
      events: 0,
      diagnostics: 0,
      indexMillis: performance.now() - t0,
      indexBytes: lineIndex.indexBytes,
      definitionProblems: problems,
      replayed: false,
    };
    return new LargeTrace(path, lineIndex, replay, window, catalog, info);
  }

  /** Resolves with the final summary when the replay has read the whole file. */
  async replayDone(): Promise<LargeTraceSummary> {
    const r = await this.replay.done;
    this.info = { ...this.info, events: r.events, diagnostics: r.diagnostics, replayed: true, replayMillis: r.millis };
    return this.info;
  }

  get replayProgress(): ReplayProgress {
    return this.replay.progress;
  }

  onReplayProgress(l: (p: ReplayProgress) => void): () => void {
    return this.replay.onProgress(l);
  }

  /** The replay's engine (its state is final up to `replayProgress.line`). */
  get engine(): TraceEngine {
    return this.replay.engine;
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
    this.replay.cancel();
    await this.replay.done.catch(() => undefined);
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

  /** Wait until the replay has passed `line` (at once for a line outside the file: the request's own check refuses it). */
  private async replayedTo(line: number): Promise<void> {
    if (Number.isInteger(line) && line >= 1 && line <= this.lineCount) await this.replay.waitFor(line);
  }

  /**
   * What the language server would show when hovering 0-based `column` of 1-based `line`. A line
   * the replay has not reached yet gets a "still indexing" answer with the replay's progress.
   */
  async hover(line: number, column: number): Promise<LargeHover | null> {
    this.checkColumn(line, column);
    const t = await this.lineIndex.line(line, DEFAULT_MAX_LINE_BYTES);
    if (t.cut !== undefined) return null;
    if (!this.replay.covers(line)) {
      if (column >= t.text.length) return null;
      return { markdown: stillReplaying(this.replay.progress, line, this.lineCount), line, start: column, end: column + 1, pending: true };
    }
    const l0 = this.window.load(line, t.text);
    const h = serverHover(this.window.index, { line: l0, character: column }, { fullDiagnostics: true });
    if (!h || !h.range) return null;
    const markdown = (h.contents as { value: string }).value;
    const partial = !this.replay.isDone;
    return { markdown: partial ? `${markdown}\n\n${partialNote(this.replay.progress)}` : markdown, line, start: h.range.start.character, end: h.range.end.character };
  }

  /** The 1-based lines go-to-definition leads to from `column` of `line` (once the replay has passed it). */
  async definition(line: number, column: number): Promise<number[]> {
    this.checkColumn(line, column);
    await this.replayedTo(line);
    const l0 = await this.loadLine(line);
    if (l0 === undefined) return [];
    return definitionLines(this.window.index, l0, column);
  }

  /** Diagnostics on lines from..to (1-based, inclusive), in line order; only once the replay is done. */
  diagnostics(from = 1, to = Number.MAX_SAFE_INTEGER): Diagnostic[] {
    if (!this.replay.isDone) throw new LargeTraceError(`${this.path} is still being replayed (${percentOf(this.replay.progress)}%); its diagnostics are known when the replay is done`);
    const diags = (this.diags ??= this.engine.diagnostics());
    let lo = 0;
    let hi = diags.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (diags[mid].line < from) lo = mid + 1;
      else hi = mid;
    }
    const out: Diagnostic[] = [];
    for (let i = lo; i < diags.length && diags[i].line <= to; i++) out.push(diags[i]);
    return out;
  }

  /** diagnostics() when the replay is done. */
  async diagnosticsWhenReplayed(from?: number, to?: number): Promise<Diagnostic[]> {
    await this.replayDone();
    return this.diagnostics(from, to);
  }

  async filter(criteria: FilterCriteria, opts: FilterScanOptions = {}): Promise<LargeFilterResult> {
    const parsed = parseCriteria(criteria);
    await this.lineIndex.checkUnchanged();
    const r = await scanFilter(this.path, this.catalog, parsed, opts, this.lineIndex.samples, this.replay.isDone ? this.replay : undefined);
    await this.lineIndex.checkUnchanged();
    return r;
  }

  /** stateAt as the language server's request answers it (hex addresses, plain JSON), once the replay has passed `line`. */
  async stateAtWire(line: number): Promise<StateAtResult> {
    await this.replayedTo(line);
    return serverStateAt(this.window.index, line);
  }

  /** resolve as the language server's request answers it, once the replay has passed `line`; bad space/address/line throw a RequestError. */
  async resolveWire(p: Omit<ResolveParams, 'uri'>): Promise<WireResolveAnswer> {
    await this.replayedTo(p.line);
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

  /** A line in the file that the replay has passed (the sync model accessors need both). */
  private checkLine(line: number): void {
    if (!Number.isInteger(line) || line < 1 || line > this.lineCount) throw new LargeTraceError(`line ${line} is outside ${this.path} (lines 1..${this.lineCount})`);
    if (!this.replay.covers(line)) throw new LargeTraceError(`line ${line} of ${this.path} is not replayed yet (${percentOf(this.replay.progress)}%)`);
  }
}
