// Classifies one line of a text trace (log backend with or without prefix, or ftrace output)
// into a TraceRecord. Never throws: anything that is not recognisably a trace event is text.
//   719585@1608130130.441188:name body          (TID@SEC.USEC:, ≤ 7.0 always, later with -msg timestamp=on)
//   2025-09-10T12:34:56.123456Z name body       (qemu_log's ISO-8601 UTC prefix, optional " (TID)")
//   name body                                   (no prefix)
//   comm-TID [CPU] flags SEC.USEC: tracing_mark_write: name body   (ftrace backend via trace_marker)
import type { EventDef, FieldValue, LinePrefix, TraceRecord } from '../types.js';
import { nameHashStep, type EventCatalog } from '../catalog/eventCatalog.js';
import type { CompiledEvent, MatchResult } from '../format/compile.js';
import { parseFtracePrefix } from './ftracePrefix.js';

const ISO_PREFIX = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)(?: \((\d+)\))? /;
const EVENT_LIKE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/;
// syslog / journalctl short format: "Dec  6 02:59:32 host qemu-system-x86_64[1234]: "
const SYSLOG = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^\s:[\]]+(?:\[(\d+)\])?: /;

const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** "TID@SEC.USEC:" at `start`: the prefix (text from the line start) and where the name starts, or undefined. */
function tidPrefix(s: string, start = 0): LinePrefix | undefined {
  let p = start;
  let c = 0;
  let tid = 0;
  while (isDigit((c = s.charCodeAt(p)))) {
    tid = tid * 10 + c - 48;
    p++;
  }
  if (p === start || c !== 64 /* @ */) return undefined;
  const q = ++p;
  let sec = 0;
  while (isDigit((c = s.charCodeAt(p)))) {
    sec = sec * 10 + c - 48;
    p++;
  }
  if (p === q || c !== 46 /* . */) return undefined;
  const r = ++p;
  let frac = 0;
  let scale = 1;
  while (isDigit((c = s.charCodeAt(p)))) {
    frac = frac * 10 + c - 48;
    scale *= 10;
    p++;
  }
  if (p === r || c !== 58 /* : */) return undefined;
  return { pid: tid, time: sec + frac / scale, text: s.slice(0, p + 1) };
}

/**
 * An event whose fields are parsed on first access (reader option lazyFields). The line was
 * already checked against `compiled`, so the parse cannot fail.
 */
class LazyEventRecord {
  readonly kind = 'event' as const;
  private bodyText: string | undefined;
  constructor(
    readonly line: number,
    readonly offset: number,
    readonly name: string,
    readonly prefix: LinePrefix | undefined,
    readonly def: EventDef,
    /** the whole line and where the body starts in it (the body is cut out when read) */
    private readonly text: string,
    private readonly bodyStart: number,
    private readonly compiled: CompiledEvent,
    /** already parsed (events the replay handles) */
    private parsed: Record<string, FieldValue> | undefined,
  ) {}

  get body(): string {
    if (this.bodyText === undefined) this.bodyText = this.text.slice(this.bodyStart);
    return this.bodyText;
  }

  get fields(): Record<string, FieldValue> | undefined {
    if (this.parsed === undefined) this.parsed = this.compiled.fieldsAt(this.text, this.bodyStart) ?? {};
    return this.parsed;
  }
}

/**
 * An event line no format of its name accepts. The reason (the closest format's, in words) is
 * written when first read: past the diagnostics cap a million damaged lines are only counted.
 */
class MalformedRecord {
  readonly kind = 'malformed' as const;
  private why: string | undefined;
  constructor(
    readonly line: number,
    readonly offset: number,
    readonly name: string,
    readonly body: string,
    readonly column: number,
    readonly prefix: LinePrefix | undefined,
    private readonly best: Extract<MatchResult, { ok: false }> | undefined,
    private readonly source: string,
    private readonly formats: number,
  ) {}

  get reason(): string {
    if (this.why === undefined) {
      const why = this.best === undefined ? '' : this.best.reason;
      this.why = this.formats > 1 ? `${why} (closest of ${this.formats} formats: ${this.source})` : `${why} (format: ${this.source})`;
    }
    return this.why;
  }
}

export interface LineClassifierOptions {
  /** parse field values on first access of `fields` instead of for every line */
  lazyFields?: boolean;
  /**
   * With lazyFields: events whose fields are read anyway (the replay's handled events) are
   * parsed at once, one walk over the body instead of a check now and a parse later.
   */
  eagerFields?: ReadonlySet<string>;
}

function isoPrefix(m: RegExpExecArray): LinePrefix {
  const [, y, mo, d, h, mi, sec, frac, zone, tid] = m;
  let t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +sec) / 1000;
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  if (frac) t += Number(frac) / 10 ** frac.length;
  const prefix: LinePrefix = { time: t, text: m[0].slice(0, -1) };
  if (tid !== undefined) prefix.pid = Number(tid);
  return prefix;
}

export type LineClassifier = (line: string, lineNo: number, offset: number) => TraceRecord;

/** Build the per-line classifier for a catalog (compiled formats are looked up by name). */
export function createLineClassifier(catalog: EventCatalog, opts: LineClassifierOptions = {}): LineClassifier {
  const lazy = opts.lazyFields === true;
  const eager = opts.eagerFields;
  /** Name + body starting at `p`; `prefix` already recognised (or undefined). */
  function event(line: string, p: number, lineNo: number, offset: number, prefix: LinePrefix | undefined, knownOnly = false): TraceRecord | undefined {
    const len = line.length;
    let e = p;
    let h = 0;
    let c = 0;
    while (e < len && isIdent((c = line.charCodeAt(e)))) {
      h = nameHashStep(h, c);
      e++;
    }
    if (e === p) return undefined;
    const atEnd = e === len;
    if (!atEnd && c !== 32) return undefined;
    const bodyStart = atEnd ? len : e + 1;
    const entry = catalog.lookupSpan(line, p, e, h);
    if (entry === undefined) {
      const body = atEnd ? '' : line.slice(bodyStart);
      // unknown names count as events only when they look like one
      const name = line.slice(p, e);
      if (knownOnly || atEnd || (prefix === undefined && !EVENT_LIKE.test(name))) return undefined;
      return { kind: 'event', line: lineNo, offset, name, prefix, fields: undefined, def: undefined, body };
    }
    const { name, defs } = entry;
    if (lazy) {
      // matched on the line itself; the body is cut out only if someone reads it
      const parse = eager !== undefined && eager.has(name);
      for (let i = 0; i < defs.length; i++) {
        const d = defs[i];
        if (parse) {
          const fields = d.fieldsAt(line, bodyStart);
          if (fields !== undefined) return new LazyEventRecord(lineNo, offset, name, prefix, d.def, line, bodyStart, d, fields);
        } else if (d.acceptsAt(line, bodyStart)) return new LazyEventRecord(lineNo, offset, name, prefix, d.def, line, bodyStart, d, undefined);
      }
    }
    const body = atEnd ? '' : line.slice(bodyStart);
    let bestAt = -1;
    let best: Extract<MatchResult, { ok: false }> | undefined;
    let bestSource = '';
    for (let i = 0; i < defs.length; i++) {
      // lazy: every format already said no, so only the general matcher's explanation is wanted
      const r = lazy ? defs[i].explain(body) : defs[i].match(body);
      if (r.ok) {
        const fields: Record<string, FieldValue> = r.fields;
        return { kind: 'event', line: lineNo, offset, name, prefix, fields, def: defs[i].def, body };
      }
      if (r.index > bestAt) {
        bestAt = r.index;
        best = r;
        bestSource = defs[i].def.source;
      }
    }
    const rec = new MalformedRecord(lineNo, offset, name, body, bodyStart + bestAt + 1, prefix, best, bestSource, defs.length);
    // records of the eager mode are plain objects (they may be copied or sent between threads)
    return lazy ? rec : { kind: 'malformed', line: lineNo, offset, name, body, column: rec.column, reason: rec.reason, prefix };
  }

  function ftrace(line: string, lineNo: number, offset: number): TraceRecord | undefined {
    const m = parseFtracePrefix(line);
    if (!m) return undefined;
    const prefix: LinePrefix = { pid: m.pid, time: m.time, text: line.slice(0, m.end).trimEnd(), comm: m.comm, cpu: m.cpu };
    return event(line, m.end, lineNo, offset, prefix) ?? { kind: 'text', line: lineNo, offset, text: line, prefix };
  }

  return function classify(line: string, lineNo: number, offset: number): TraceRecord {
    const len = line.length;
    let first = 0;
    while (first < len && (line.charCodeAt(first) === 32 || line.charCodeAt(first) === 9)) first++;
    if (first === len) return { kind: 'blank', line: lineNo, offset };
    const c0 = line.charCodeAt(0);
    if (isDigit(c0)) {
      const prefix = tidPrefix(line);
      if (prefix !== undefined) {
        const end = prefix.text.length;
        return event(line, end, lineNo, offset, prefix) ?? { kind: 'text', line: lineNo, offset, text: line.slice(end), prefix };
      }
      if (line.charCodeAt(4) === 45 && line.charCodeAt(10) === 84) {
        const m = ISO_PREFIX.exec(line);
        if (m) {
          const prefix = isoPrefix(m);
          const p = m[0].length;
          return event(line, p, lineNo, offset, prefix) ?? { kind: 'text', line: lineNo, offset, text: line.slice(p), prefix };
        }
      }
    }
    if (first === 0) {
      const r = event(line, 0, lineNo, offset, undefined);
      if (r) return r;
    }
    return ftrace(line, lineNo, offset) ?? damaged(line, lineNo, offset) ?? { kind: 'text', line: lineNo, offset, text: line };
  };

  /**
   * A known event behind damage that is safe to read through: mail quoting ("> ", "> > "),
   * indentation, a syslog/journal prefix, then optionally QEMU's own TID@SEC.USEC: prefix.
   * Only names of the catalog count here, so quoted prose is never taken for an event.
   */
  function damaged(line: string, lineNo: number, offset: number): TraceRecord | undefined {
    const len = line.length;
    let p = 0;
    for (let c = line.charCodeAt(0); p < len && (c === 62 /* > */ || c === 32 || c === 9); c = line.charCodeAt(++p));
    let pid: number | undefined;
    const c = line.charCodeAt(p);
    if (c >= 65 && c <= 90) {
      const m = SYSLOG.exec(p === 0 ? line : line.slice(p));
      if (m) {
        p += m[0].length;
        if (m[1] !== undefined) pid = Number(m[1]);
      }
    }
    if (p === 0 || p >= len) return undefined;
    if (isDigit(line.charCodeAt(p))) {
      const tp = tidPrefix(line, p);
      if (tp !== undefined) return event(line, tp.text.length, lineNo, offset, tp, true);
    }
    const prefix: LinePrefix = { text: line.slice(0, p).trimEnd() };
    if (pid !== undefined) prefix.pid = pid;
    return event(line, p, lineNo, offset, prefix, true);
  }
}
