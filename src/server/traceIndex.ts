// The language server's view of one document: the engine run over its text plus its lines (a
// LineStore: a few bytes a line, the record of a line made again when a request needs it).
// Features are functions of (index, position); this module answers the position questions
// (which event, which field, which address space).
import type { EventDef, FieldValue, TraceRecord } from '../trace/types.js';
import { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { createLineClassifier } from '../trace/read/logLine.js';
import { TraceEngine } from '../trace/replay/engine.js';
import type { ReplayOptions } from '../trace/replay/context.js';
import type { Space } from '../trace/replay/spaces.js';
import type { ResolveOptions } from '../trace/replay/resolveAt.js';
import type { LineRecords } from '../trace/replay/lineRecords.js';
import { QemuLogMerger, type QemuLog } from '../trace/qemuLog.js';
import { bodySpans } from './fieldSpans.js';
import { DocumentLines, type LineStore } from './documentLines.js';
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
  private readonly spanCache = new Map<number, FieldSpan[]>();

  constructor(
    readonly uri: string,
    readonly store: LineStore,
    readonly engine: TraceEngine,
    readonly catalog: EventCatalog,
  ) {}

  /** The text of a 0-based line (undefined outside the document). */
  lineText(line: number): string | undefined {
    return this.store.text(line);
  }

  /** The record the reader made of a 0-based line (made again on demand). */
  recordAt(line: number): TraceRecord | undefined {
    return this.store.record(line);
  }

  /** The event name of a 0-based event line, without parsing the line. */
  eventNameAt(line: number): string | undefined {
    return this.store.eventName(line);
  }

  /** The record kind of a 0-based line, without parsing the line. */
  kindAt(line: number): TraceRecord['kind'] | undefined {
    return this.store.kind(line);
  }

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
    if (this.store.kind(line) !== 'event') return undefined;
    const rec = this.store.record(line);
    if (!rec || rec.kind !== 'event') return undefined;
    const text = this.store.text(line) ?? '';
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
    if (this.spanCache.size >= 4096) this.spanCache.delete(this.spanCache.keys().next().value!);
    this.spanCache.set(line, out);
    return out;
  }

  fieldAt(line: number, character: number): FieldSpan | undefined {
    return this.fields(line).find((f) => f.start <= character && character <= f.end);
  }

  /** The ASID / device a line's addresses belong to, in the names the engine's tables use. */
  contextOf(line: number): ResolveOptions {
    const name = this.store.eventName(line);
    if (name === undefined || !EVENT_SPACES[name]) return {};
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
    return this.store.count;
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
  private readonly lines: DocumentLines;
  private readonly merger: QemuLogMerger | undefined;

  constructor(uri: string, text: string, opts: IndexOptions = {}) {
    const catalog = opts.catalog ?? EventCatalog.builtin();
    this.lines = new DocumentLines(text, createLineClassifier(catalog));
    const log = opts.qemuLog?.(uri);
    this.index = new TraceIndex(uri, this.lines, new TraceEngine({ ...opts.replay, ...(log ? { qemuLog: true } : {}) }), catalog);
    this.merger = log ? new QemuLogMerger(log, this.index.engine) : undefined;
  }

  step(maxLines: number): boolean {
    const { engine } = this.index;
    const stop = Math.min(this.lines.count, this.lines.done + maxLines);
    while (this.lines.done < stop) {
      const rec = this.lines.next();
      this.merger?.beforeRecord(rec);
      engine.push(rec);
    }
    return this.lines.done >= this.lines.count;
  }

  get done(): number {
    return this.lines.done;
  }

  get total(): number {
    return this.lines.count;
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
