// The language server's view of one document: the engine run over its text plus, per line,
// the record the reader made of it. Features are functions of (index, position); this module
// answers the position questions (which event, which field, which address space).
import type { EventDef, FieldValue, TraceRecord } from '../trace/types.js';
import { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { createLineClassifier, type LineClassifier } from '../trace/read/logLine.js';
import { TraceEngine } from '../trace/replay/engine.js';
import type { ReplayOptions } from '../trace/replay/context.js';
import type { Space } from '../trace/replay/spaces.js';
import type { ResolveOptions } from '../trace/replay/resolveAt.js';
import type { LineRecords } from '../trace/replay/lineRecords.js';
import { QemuLogMerger, type QemuLog } from '../trace/qemuLog.js';
import { bodySpans } from './fieldSpans.js';
import { EVENT_SPACES, fieldBigint, fieldRange, type AddressField } from './fieldSpaces.js';

export type EventRecord = Extract<TraceRecord, { kind: 'event' }>;

/** A field of an event line: columns (0-based, end exclusive) in the document line. */
export interface FieldSpan {
  name: string;
  start: number;
  end: number;
  value: FieldValue | undefined;
  /** set when the field is an address */
  address?: { space: Space; addr: bigint; start: bigint; last: bigint; spec: AddressField };
}

export interface EventLine {
  rec: EventRecord;
  /** 0-based line */
  line: number;
  nameStart: number;
  nameEnd: number;
  bodyStart: number;
}

export class TraceIndex {
  /** 0-based line → the record of that line */
  readonly records: TraceRecord[] = [];
  private readonly spanCache = new Map<number, FieldSpan[]>();

  constructor(
    readonly uri: string,
    readonly lines: readonly string[],
    readonly engine: TraceEngine,
    readonly catalog: EventCatalog,
  ) {}

  /** 1-based trace line → mapping records created / removed by that line (from the timeline's logs) */
  get createdAt(): LineRecords {
    return this.engine.timeline.createdAt;
  }

  get removedAt(): LineRecords {
    return this.engine.timeline.removedAt;
  }

  /** Called once the engine has seen every line. */
  seal(): void {}

  eventAt(line: number): EventLine | undefined {
    const rec = this.records[line];
    if (!rec || rec.kind !== 'event') return undefined;
    const text = this.lines[line] ?? '';
    const bodyStart = rec.body === '' ? text.trimEnd().length : text.length - rec.body.length;
    const nameEnd = rec.body === '' ? bodyStart : bodyStart - 1;
    return { rec, line, nameStart: nameEnd - rec.name.length, nameEnd, bodyStart };
  }

  /** Every field of an event line with its columns; address fields carry space and range. */
  fields(line: number): FieldSpan[] {
    const hit = this.spanCache.get(line);
    if (hit) return hit;
    const ev = this.eventAt(line);
    const out: FieldSpan[] = [];
    if (ev && ev.rec.def) {
      const fields = ev.rec.fields ?? {};
      const spaces = EVENT_SPACES[ev.rec.name];
      for (const s of bodySpans(ev.rec.def, ev.rec.body)) {
        const value = fields[s.name];
        const span: FieldSpan = { name: s.name, start: ev.bodyStart + s.start, end: ev.bodyStart + s.end, value };
        const af = spaces?.fields[s.name];
        const addr = fieldBigint(value);
        if (af && addr !== undefined) span.address = { space: af.space, addr, ...(af.isEnd ? { start: addr, last: addr } : fieldRange(af, addr, fields, spaces?.fields)), spec: af };
        out.push(span);
      }
    }
    if (this.spanCache.size > 4096) this.spanCache.clear();
    this.spanCache.set(line, out);
    return out;
  }

  fieldAt(line: number, character: number): FieldSpan | undefined {
    return this.fields(line).find((f) => f.start <= character && character <= f.end);
  }

  /** The ASID / device a line's addresses belong to, in the names the engine's tables use. */
  contextOf(line: number): ResolveOptions {
    const ev = this.eventAt(line);
    const spaces = ev && EVENT_SPACES[ev.rec.name];
    if (!ev || !spaces || !ev.rec.fields) return {};
    const opts: ResolveOptions = {};
    const asid = spaces.asid?.(ev.rec.fields);
    if (asid !== undefined) opts.asid = asid;
    const device = spaces.device?.(ev.rec.fields);
    // a per-queue pointer the engine folded into another device: resolve without the filter
    if (device !== undefined && this.engine.timeline.tables.some((t) => t.owner === device || t.device === device)) opts.device = device;
    return opts;
  }

  get lineCount(): number {
    return this.lines.length;
  }
}

export interface IndexOptions {
  catalog?: EventCatalog;
  replay?: Partial<ReplayOptions>;
  /** QEMU's log to merge into a document by time, by URI */
  qemuLog?: (uri: string) => QemuLog | undefined;
}

/**
 * Builds an index a slice at a time so a server can yield between slices (large documents
 * never block it). `step` returns true when every line is in.
 */
export class TraceIndexBuilder {
  private readonly index: TraceIndex;
  private readonly classify: LineClassifier;
  private next = 0;
  private readonly merger: QemuLogMerger | undefined;

  constructor(uri: string, text: string, opts: IndexOptions = {}) {
    const catalog = opts.catalog ?? EventCatalog.builtin();
    const lines = text.split('\n');
    // a final newline ends the last line rather than starting an empty one
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
    const log = opts.qemuLog?.(uri);
    this.index = new TraceIndex(uri, lines, new TraceEngine({ ...opts.replay, ...(log ? { qemuLog: true } : {}) }), catalog);
    this.merger = log ? new QemuLogMerger(log, this.index.engine) : undefined;
    this.classify = createLineClassifier(catalog);
  }

  step(maxLines: number): boolean {
    const { lines, records, engine } = this.index;
    const stop = Math.min(lines.length, this.next + maxLines);
    for (; this.next < stop; this.next++) {
      const rec = this.classify(lines[this.next], this.next + 1, 0);
      records.push(rec);
      this.merger?.beforeRecord(rec);
      engine.push(rec);
    }
    return this.next >= lines.length;
  }

  get done(): number {
    return this.next;
  }

  get total(): number {
    return this.index.lines.length;
  }

  finish(): TraceIndex {
    while (!this.step(1 << 16));
    this.merger?.finish();
    this.index.engine.finish();
    this.index.seal();
    return this.index;
  }
}

export function buildTraceIndex(uri: string, text: string, opts: IndexOptions = {}): TraceIndex {
  return new TraceIndexBuilder(uri, text, opts).finish();
}

/** The definition an event line matched (the first of the catalog when the line did not). */
export function definitionOf(index: TraceIndex, name: string, rec?: EventRecord): EventDef | undefined {
  return rec?.def ?? index.catalog.lookup(name)?.[0]?.def;
}
