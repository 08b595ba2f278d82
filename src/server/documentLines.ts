// The lines of an open document without a string or a record per line: the document text once,
// where each line starts (a Uint32Array) and what each line is (a Uint16Array tag: blank, text,
// malformed, or the id of its event name). A line's text and record are made again on demand
// (a hover, a definition): the classifier is a pure function of the line, so the record is the
// one the index was built from. A few recent records are kept for the requests that come in bursts.
import type { TraceRecord } from '../trace/types.js';
import type { LineClassifier } from '../trace/read/logLine.js';

/** What the trace index needs from the lines it covers (an open document, or a window on a file). */
export interface LineStore {
  readonly count: number;
  /** the 0-based line without its line break; undefined outside the document (or not loaded) */
  text(l0: number): string | undefined;
  /** the record the reader made of the line; undefined outside the document (or not loaded) */
  record(l0: number): TraceRecord | undefined;
  /** the line's record kind, without making the record */
  kind(l0: number): TraceRecord['kind'] | undefined;
  /** the event name of an event line, without making the record */
  eventName(l0: number): string | undefined;
  /** the whole text, when the store holds it (to index the document again) */
  readonly source?: string;
}

const BLANK = 0;
const TEXT = 1;
const MALFORMED = 2;
/** the first event-name id; names past the table's capacity share OTHER_EVENT (read back from the line) */
const FIRST_NAME = 3;
const OTHER_EVENT = 0xffff;
const MAX_NAMES = OTHER_EVENT - FIRST_NAME;
/** records kept after a request made them (a hover, its definition, its inlay hints) */
const RECENT_RECORDS = 512;

/** How many lines `text` has: a final line break ends the last line, it does not start one. */
function countLines(text: string): number {
  let n = 1;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) n++;
  return n > 1 && text.endsWith('\n') ? n - 1 : n;
}

export class DocumentLines implements LineStore {
  readonly count: number;
  /** start offset of each line, and the text length after the last one */
  private readonly starts: Uint32Array;
  private readonly tags: Uint16Array;
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();
  private readonly recent = new Map<number, TraceRecord>();
  /** lines whose tag is set (the builder fills them in order) */
  private filled = 0;

  constructor(
    readonly source: string,
    private readonly classify: LineClassifier,
  ) {
    if (source.length >= 0xffffffff) throw new Error(`document of ${source.length} characters is too large to index`);
    this.count = countLines(source);
    this.starts = new Uint32Array(this.count + 1);
    let l = 0;
    for (let p = 0; l + 1 < this.count; l++) {
      p = source.indexOf('\n', p) + 1;
      this.starts[l + 1] = p;
    }
    // the end of the last line's text plus its line break (a final "\n" belongs to the last line)
    this.starts[this.count] = source.endsWith('\n') ? source.length : source.length + 1;
    this.tags = new Uint16Array(this.count);
  }

  /** [start, end) of the line's text in the source, without "\n" or "\r\n". */
  private span(l0: number): [number, number] {
    const start = this.starts[l0];
    let end = Math.min(this.starts[l0 + 1] - 1, this.source.length);
    if (end > start && this.source.charCodeAt(end - 1) === 13) end--;
    return [start, end];
  }

  text(l0: number): string | undefined {
    if (!(l0 >= 0 && l0 < this.count)) return undefined;
    const [s, e] = this.span(l0);
    return this.source.slice(s, e);
  }

  /** Length of the line's text (no string made). */
  length(l0: number): number {
    if (!(l0 >= 0 && l0 < this.count)) return 0;
    const [s, e] = this.span(l0);
    return e - s;
  }

  /** Classify the next line in order (the index builder's pass): its record, and its tag kept. */
  next(): TraceRecord {
    const l0 = this.filled++;
    const rec = this.classify(this.text(l0)!, l0 + 1, 0);
    this.tags[l0] = this.tagOf(rec);
    return rec;
  }

  get done(): number {
    return this.filled;
  }

  private tagOf(rec: TraceRecord): number {
    if (rec.kind === 'blank') return BLANK;
    if (rec.kind === 'text') return TEXT;
    if (rec.kind === 'malformed') return MALFORMED;
    let id = this.nameIds.get(rec.name);
    if (id === undefined) {
      // a file with more distinct names than the table holds: the rest are read back from the line
      if (this.names.length >= MAX_NAMES) return OTHER_EVENT;
      id = this.names.length;
      this.names.push(rec.name);
      this.nameIds.set(rec.name, id);
    }
    return FIRST_NAME + id;
  }

  kind(l0: number): TraceRecord['kind'] | undefined {
    if (!(l0 >= 0 && l0 < this.filled)) return undefined;
    const t = this.tags[l0];
    return t === BLANK ? 'blank' : t === TEXT ? 'text' : t === MALFORMED ? 'malformed' : 'event';
  }

  eventName(l0: number): string | undefined {
    if (!(l0 >= 0 && l0 < this.filled)) return undefined;
    const t = this.tags[l0];
    if (t < FIRST_NAME) return undefined;
    if (t !== OTHER_EVENT) return this.names[t - FIRST_NAME];
    const rec = this.record(l0);
    return rec?.kind === 'event' ? rec.name : undefined;
  }

  record(l0: number): TraceRecord | undefined {
    if (!(l0 >= 0 && l0 < this.filled)) return undefined;
    let rec = this.recent.get(l0);
    if (rec) return rec;
    rec = this.classify(this.text(l0)!, l0 + 1, 0);
    if (this.recent.size >= RECENT_RECORDS) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(l0, rec);
    return rec;
  }

  /** Bytes this store keeps beside the text (for the bench and tests of the per-line budget). */
  get indexBytes(): number {
    return this.starts.byteLength + this.tags.byteLength;
  }
}
