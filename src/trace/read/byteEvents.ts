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
import { byteMatcherFor, type ByteMatcher } from '../format/byteMatch.js';

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
  defs: readonly CompiledEvent[];
  /** the defs' byte matchers, made when the name is first seen; false: a def has none (%s) */
  matchers: readonly ByteMatcher[] | false | undefined;
  eager: boolean;
}

/** The byte matchers of every def, or false when one has none (the string path takes the name). */
function matchersOf(defs: readonly CompiledEvent[]): readonly ByteMatcher[] | false {
  const ms = defs.map((d) => d.fastFormat && byteMatcherFor(d.fastFormat));
  // trying only some of a name's formats could pick another one than the string path would
  return ms.every((m): m is ByteMatcher => m !== undefined) && ms;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdent = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90);
const slotOf = (h: number, mask: number): number => (h ^ (h >>> 13)) & mask;

export class ByteEventScanner {
  private readonly entries: Entry[] = [];
  /** every name's bytes, one after the other (a user catalog may hold 20,000 names) */
  private readonly names: Uint8Array;
  private readonly nameAt: Int32Array;
  private readonly nameLen: Int32Array;
  private readonly hashes: Int32Array;
  /** open addressing on the name hash (linear probing, a quarter full): entry index or -1 */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly out: ByteEvent;

  /** `eager`: names whose fields are built (the replay's handled events); others are only checked. */
  constructor(catalog: EventCatalog, eager: ReadonlySet<string> = new Set()) {
    const list = catalog.entries().filter((e) => e.name.length > 0 && !/[\u0080-\uffff]/.test(e.name));
    const n = list.length;
    this.nameAt = new Int32Array(n);
    this.nameLen = new Int32Array(n);
    this.hashes = new Int32Array(n);
    this.names = new Uint8Array(list.reduce((sum, e) => sum + e.name.length, 0));
    let size = 16;
    while (size < n * 4) size *= 2;
    this.mask = size - 1;
    this.slots = new Int32Array(size).fill(-1);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const e = list[i];
      let h = 0;
      for (let k = 0; k < e.name.length; k++) {
        const c = e.name.charCodeAt(k);
        this.names[at + k] = c;
        h = nameHashStep(h, c);
      }
      this.nameAt[i] = at;
      this.nameLen[i] = e.name.length;
      this.hashes[i] = h;
      at += e.name.length;
      this.entries.push({ name: e.name, defs: e.defs, matchers: undefined, eager: eager.has(e.name) });
      let slot = slotOf(h, this.mask);
      while (this.slots[slot] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot] = i;
    }
    this.out = { name: '', event: list[0]?.defs[0], fields: undefined, bodyStart: 0 };
  }

  /** The entry named buf[start, start + len) with hash h, or undefined. */
  private find(buf: Uint8Array, start: number, len: number, h: number): Entry | undefined {
    const names = this.names;
    for (let slot = slotOf(h, this.mask); ; slot = (slot + 1) & this.mask) {
      const i = this.slots[slot];
      if (i < 0) return undefined;
      if (this.hashes[i] !== h || this.nameLen[i] !== len) continue;
      const at = this.nameAt[i];
      let k = 0;
      while (k < len && buf[start + k] === names[at + k]) k++;
      if (k === len) return this.entries[i];
    }
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
    const entry = this.find(buf, nameStart, p - nameStart, h);
    if (entry === undefined) return undefined;
    const bodyStart = p + 1;
    const ms = entry.matchers ?? (entry.matchers = matchersOf(entry.defs));
    if (ms === false) return undefined;
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
