// The byte-level reader of log-backend lines: which known event a line is and whether one of its
// formats accepts it, decided on the line's bytes (no string per line). It answers only for the
// plain shapes that make up almost every real trace:
//   name body                    (no prefix)
//   TID@SEC.USEC:name body       (QEMU's own prefix)
// of an event of the catalog whose formats have no %s or floating point (byteMatch.ts). For
// anything else (other prefixes, quoting, unknown names, a body no format accepts, %s formats,
// non-ASCII text) it says "not mine" and the caller takes the string path (logLine.ts), which
// explains every rejection with its column as before: the two agree on every line both read.
//
// API (for check, the large-trace index, the filters, the language server):
//   const scan = new ByteEventScanner(catalog, handledEvents);
//   const ev = scan.line(buf, start, end);   // end excludes the line terminator (LF / CRLF)
//   if (ev) { ev.name, ev.event (the CompiledEvent that matched), ev.fields (only for names in
//             the eager set; undefined otherwise), ev.bodyStart }
//   else    → classify the decoded line with createLineClassifier (the string path)
// The returned object is reused by the next call: copy what you keep. The buffer must hold ASCII
// text between start and end (LineSplitter tells: it calls its fast hook only for ASCII chunks).
import type { FieldValue } from '../types.js';
import { nameHashStep, type EventCatalog } from '../catalog/eventCatalog.js';
import type { CompiledEvent } from '../format/compile.js';
import type { ByteMatcher } from '../format/byteMatch.js';

export interface ByteEvent {
  name: string;
  /** the definition that accepted the line (the first of the name's, in catalog order) */
  event: CompiledEvent;
  /** the fields, for names in the scanner's eager set; otherwise undefined (only checked) */
  fields: Record<string, FieldValue> | undefined;
  /** byte offset of the body (after the name and its space) */
  bodyStart: number;
}

interface Entry {
  name: string;
  bytes: Uint8Array;
  defs: readonly CompiledEvent[];
  matchers: readonly ByteMatcher[];
  eager: boolean;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
const slotOf = (h: number, mask: number): number => (h ^ (h >>> 13)) & mask;

export class ByteEventScanner {
  /** open hashing on the name hash; with 8 slots per name almost every bucket holds one entry */
  private readonly slots: (Entry[] | undefined)[];
  private readonly mask: number;
  private readonly out: ByteEvent;

  /** `eager`: names whose fields are built (the replay's handled events); others are only checked. */
  constructor(catalog: EventCatalog, eager: ReadonlySet<string> = new Set()) {
    const entries: Entry[] = [];
    for (const e of catalog.entries()) {
      const matchers = e.defs.map((d) => d.bytes);
      // a name with a %s format (or a non-ASCII literal) is left to the string path whole:
      // trying only some of its formats could pick another one than the string path would
      if (!matchers.every((m): m is ByteMatcher => m !== undefined)) continue;
      if (e.name.length === 0 || /[\u0080-\uffff]/.test(e.name)) continue;
      entries.push({ name: e.name, bytes: Uint8Array.from(e.name, (c) => c.charCodeAt(0)), defs: e.defs, matchers, eager: eager.has(e.name) });
    }
    let size = 16;
    while (size < entries.length * 8) size *= 2;
    this.mask = size - 1;
    this.slots = new Array<Entry[] | undefined>(size).fill(undefined);
    for (const e of entries) {
      let h = 0;
      for (let i = 0; i < e.bytes.length; i++) h = nameHashStep(h, e.bytes[i]);
      const s = slotOf(h, this.mask);
      (this.slots[s] ??= []).push(e);
    }
    this.out = { name: '', event: entries[0]?.defs[0], fields: undefined, bodyStart: 0 };
  }

  /** The known event buf[start, end) is, with a format that accepts it; undefined: use the string path. */
  line(buf: Uint8Array, start: number, end: number): ByteEvent | undefined {
    let p = start;
    let c = buf[p];
    if (p >= end) return undefined;
    if (isDigit(c)) {
      // TID@SEC.USEC: (logLine.ts's tidPrefix), else not a shape this reader takes
      while (p < end && isDigit(buf[p])) p++;
      if (p >= end || buf[p] !== 64) return undefined;
      const q = ++p;
      while (p < end && isDigit(buf[p])) p++;
      if (p === q || p >= end || buf[p] !== 46) return undefined;
      const r = ++p;
      while (p < end && isDigit(buf[p])) p++;
      if (p === r || p >= end || buf[p] !== 58) return undefined;
      p++;
    }
    const nameStart = p;
    let h = 0;
    while (p < end && isIdent((c = buf[p]))) {
      h = nameHashStep(h, c);
      p++;
    }
    // a name alone on its line, or followed by anything but a space: the string path decides
    if (p === nameStart || p >= end || c !== 32) return undefined;
    const bucket = this.slots[slotOf(h, this.mask)];
    if (bucket === undefined) return undefined;
    const len = p - nameStart;
    let entry: Entry | undefined;
    for (let i = 0; i < bucket.length && entry === undefined; i++) {
      const b = bucket[i].bytes;
      if (b.length !== len) continue;
      let k = 0;
      while (k < len && buf[nameStart + k] === b[k]) k++;
      if (k === len) entry = bucket[i];
    }
    if (entry === undefined) return undefined;
    const bodyStart = p + 1;
    const ms = entry.matchers;
    for (let i = 0; i < ms.length; i++) {
      let fields: Record<string, FieldValue> | undefined;
      if (entry.eager) {
        fields = ms[i].match(buf, bodyStart, end);
        if (fields === undefined) continue;
      } else if (!ms[i].test(buf, bodyStart, end)) continue;
      const out = this.out;
      out.name = entry.name;
      out.event = entry.defs[i];
      out.fields = fields;
      out.bodyStart = bodyStart;
      return out;
    }
    return undefined;
  }
}
