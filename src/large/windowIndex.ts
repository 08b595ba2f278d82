// The language server's TraceIndex over a file that is never held whole: the engine and its
// timeline cover every line, but only the few lines a request concerns are loaded into the
// index (their text and record), and old ones are dropped. The server's position helpers
// (eventAt, fields, contextOf) and its hover then answer exactly as they do for an open document.
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { createLineClassifier, type LineClassifier } from '../trace/read/logLine.js';
import type { TraceRecord } from '../trace/types.js';
import type { TraceEngine } from '../trace/replay/engine.js';
import { TraceIndex } from '../server/traceIndex.js';

/** How many loaded lines stay around before the oldest are dropped. */
const KEEP_LINES = 512;

export class WindowIndex {
  readonly index: TraceIndex;
  private readonly lines: string[] = [];
  private readonly classify: LineClassifier;
  /** 0-based lines loaded, oldest first */
  private readonly loaded: number[] = [];

  constructor(uri: string, lineCount: number, engine: TraceEngine, catalog: EventCatalog) {
    // a sparse array: its length is the file's, its elements only the loaded lines. Setting only
    // the length would make V8 allocate a slot per line (8 bytes each); a far element first
    // gives it dictionary elements.
    if (lineCount > 0) {
      this.lines[lineCount - 1] = '';
      this.lines.pop();
    }
    this.lines.length = lineCount;
    this.index = new TraceIndex(uri, this.lines, engine, catalog);
    this.index.seal();
    this.classify = createLineClassifier(catalog);
  }

  /** Make 1-based `line` (with its text as read back) answerable; returns its 0-based line. */
  load(line: number, text: string, offset = 0, rec?: TraceRecord): number {
    const l0 = line - 1;
    if (this.lines[l0] === text && this.index.records[l0]) return l0;
    if (this.lines[l0] === undefined) this.loaded.push(l0);
    this.lines[l0] = text;
    this.index.records[l0] = rec ?? this.classify(text, line, offset);
    while (this.loaded.length > KEEP_LINES) {
      const old = this.loaded.shift()!;
      delete this.lines[old];
      delete this.index.records[old];
    }
    return l0;
  }

  get loadedCount(): number {
    return this.loaded.length;
  }
}
