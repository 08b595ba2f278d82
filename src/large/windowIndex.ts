// The language server's TraceIndex over a file that is never held whole: the engine and its
// timeline cover every line, but only the few lines a request concerns are loaded into the
// index (their text and record), and old ones are dropped. The server's position helpers
// (eventAt, fields, contextOf) and its hover then answer exactly as they do for an open document.
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { createLineClassifier, type LineClassifier } from '../trace/read/logLine.js';
import type { TraceRecord } from '../trace/types.js';
import type { TraceEngine } from '../trace/replay/engine.js';
import { TraceIndex } from '../server/traceIndex.js';
import type { LineStore } from '../server/documentLines.js';

/** How many loaded lines stay around before the oldest are dropped. */
const KEEP_LINES = 512;

/** The loaded lines of a file: a sparse store whose count is the file's. */
class WindowLines implements LineStore {
  readonly lines: string[] = [];
  readonly records: TraceRecord[] = [];
  constructor(readonly count: number) {
    // sparse arrays: only the loaded lines are elements. Setting only the length would make V8
    // allocate a slot per line (8 bytes each); a far element first gives it dictionary elements.
    for (const a of [this.lines, this.records] as unknown[][]) {
      if (count > 0) {
        a[count - 1] = undefined;
        a.pop();
      }
      a.length = count;
    }
  }
  text(l0: number): string | undefined {
    return this.lines[l0];
  }
  record(l0: number): TraceRecord | undefined {
    return this.records[l0];
  }
  kind(l0: number): TraceRecord['kind'] | undefined {
    return this.records[l0]?.kind;
  }
  eventName(l0: number): string | undefined {
    const r = this.records[l0];
    return r?.kind === 'event' ? r.name : undefined;
  }
}

export class WindowIndex {
  readonly index: TraceIndex;
  private readonly store: WindowLines;
  private readonly classify: LineClassifier;
  /** 0-based lines loaded, oldest first */
  private readonly loaded: number[] = [];

  constructor(uri: string, lineCount: number, engine: TraceEngine, catalog: EventCatalog) {
    this.store = new WindowLines(lineCount);
    this.index = new TraceIndex(uri, this.store, engine, catalog);
    this.index.seal();
    this.classify = createLineClassifier(catalog);
  }

  /** Make 1-based `line` (with its text as read back) answerable; returns its 0-based line. */
  load(line: number, text: string, offset = 0, rec?: TraceRecord): number {
    const l0 = line - 1;
    const { lines, records } = this.store;
    if (lines[l0] === text && records[l0]) return l0;
    if (lines[l0] === undefined) this.loaded.push(l0);
    lines[l0] = text;
    records[l0] = rec ?? this.classify(text, line, offset);
    while (this.loaded.length > KEEP_LINES) {
      const old = this.loaded.shift()!;
      delete lines[old];
      delete records[old];
    }
    return l0;
  }

  get loadedCount(): number {
    return this.loaded.length;
  }
}
