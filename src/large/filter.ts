// "Show only the lines that touch …" over a file that is never held whole: one streaming pass
// that keeps the numbers of the lines matching every criterion given (nothing else of a line is
// kept, so a scan leaves no garbage behind in the old heap). Lines are found by their bytes first
// (filterPlan.ts, filterScan.ts) and only those are classified and checked. The
// criteria and their meaning are the language server's FilterRequest ones (an address range in
// one space, an event-name prefix, a device, an ASID), so both views agree line for line.
import { open } from 'node:fs/promises';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../trace/read/lineSource.js';
import type { TraceRecord } from '../trace/types.js';
import type { FilterCriteria, LargeFilterResult } from '../shared/protocol/largeTrace.js';
import { EVENT_SPACES, fieldBigint, fieldRange } from '../server/fieldSpaces.js';
import { bodySpans } from '../server/fieldSpans.js';
import { createLineClassifier } from '../trace/read/logLine.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { namesDevice, parseCriteria, type ParsedCriteria } from '../server/filterCriteria.js';
import { planFilter } from './filterPlan.js';
import { planScan, type LineCheck, type SampledLines } from './filterScan.js';
import { DeviceColumn } from './deviceColumn.js';
import { RangeZones, ZONE_LINES } from './rangeZones.js';

export type { FilterCriteria, ParsedCriteria };
export { parseCriteria };


export interface FilterScanOptions {
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (bytes: number, total: number) => void;
  chunkBytes?: number;
}

export const DEFAULT_FILTER_LIMIT = 1_000_000;



/**
 * Can an event of this name match at all? Decided from its name and definition alone, so most
 * lines of a scan are dropped before their fields are parsed.
 */
export function eventMayMatch(rec: Pick<EventRec, 'name' | 'def'>, c: ParsedCriteria): boolean {
  if (c.family !== undefined && !rec.name.startsWith(c.family)) return false;
  const spaces = EVENT_SPACES[rec.name];
  if (c.asid !== undefined && !spaces?.asid) return false;
  if (c.range && !Object.values(spaces?.fields ?? {}).some((f) => c.range!.space === undefined || f.space === c.range!.space)) return false;
  if (c.device !== undefined && !spaces?.device && !(rec.def?.args ?? []).some((a) => a.type.includes('*'))) return false;
  return true;
}

type EventRec = Extract<TraceRecord, { kind: 'event' }>;

/**
 * Does the event touch the range? The language server's rule (an address field of that space,
 * placed in the printed line, whose range on the line overlaps) with the field values checked
 * first: placing fields in the text is the costly part and most lines fail on their values.
 */
function touchesRange(rec: EventRec, q: NonNullable<ParsedCriteria['range']>): boolean {
  const spaces = EVENT_SPACES[rec.name];
  const fields = rec.fields ?? {};
  if (!spaces || !rec.def) return false;
  const hits = new Set<string>();
  for (const [name, af] of Object.entries(spaces.fields)) {
    if (q.space !== undefined && af.space !== q.space) continue;
    const addr = fieldBigint(fields[name]);
    if (addr === undefined) continue;
    const r = af.isEnd ? { start: addr, last: addr } : fieldRange(af, addr, fields, spaces.fields);
    if (r.start <= q.last && r.last >= q.start) hits.add(name);
  }
  return hits.size > 0 && bodySpans(rec.def, rec.body).some((sp) => hits.has(sp.name));
}

/** Does the event line match every criterion? Cheapest tests first. */
export function eventMatches(rec: EventRec, c: ParsedCriteria): boolean {
  if (!eventMayMatch(rec, c)) return false;
  const spaces = EVENT_SPACES[rec.name];
  const fields = rec.fields;
  // the ASID its addresses belong to (the server's contextOf)
  if (c.asid !== undefined && (!fields || spaces?.asid?.(fields) !== c.asid)) return false;
  if (c.device !== undefined && !namesDevice(rec, c.device)) return false;
  return !c.range || touchesRange(rec, c.range);
}

/**
 * The matching lines of the file. With the index's sampled lines, a scan over the bytes that
 * decodes only the lines the criteria's byte patterns hit (filterScan.ts); else, or when no
 * criterion narrows the events, every line is decoded and checked.
 */
export async function scanFilter(path: string, catalog: EventCatalog, criteria: ParsedCriteria, opts: FilterScanOptions = {}, sampled?: SampledLines, replayed?: ReplayNotes): Promise<LargeFilterResult> {
  const byColumn = replayed && sampled ? await fromDeviceColumn(path, catalog, criteria, opts, sampled, replayed.devices) : undefined;
  if (byColumn) return byColumn;
  const range = criteria.range;
  // events the zones note are looked for only in the zones that reach the range
  const zones = replayed && range && sampled && ZONE_LINES % sampled.stride === 0 ? replayed.zones : undefined;
  const zoned = new Map<string, boolean>();
  const inZones = (name: string): boolean => {
    let z = zoned.get(name);
    if (z === undefined) zoned.set(name, (z = (catalog.lookup(name) ?? []).every((c) => RangeZones.notes(c.def))));
    return z;
  };
  const plan = sampled ? planFilter(criteria, catalog, undefined, zones ? inZones : undefined) : undefined;
  if (!plan || !sampled) return scanFilterExact(path, catalog, criteria, opts);
  const zoneBytes = zones && range ? zoneByteRanges(zones, range, sampled) : undefined;
  // and there, a line in a zone that does not reach the range cannot match
  const skipNamed = zones && range ? (l: number, name: string) => inZones(name) && !zones.mayTouch(l, range.space, range.start, range.last) : undefined;
  return planScan(path, plan, sampled, exactCheck(catalog, criteria), { limit: opts.limit ?? DEFAULT_FILTER_LIMIT, signal: opts.signal, onProgress: opts.onProgress, chunkBytes: opts.chunkBytes, skipNamed, zoneBytes });
}

/** The bytes of the zones that may reach the range: ascending, adjacent ones joined. */
function zoneByteRanges(zones: RangeZones, range: NonNullable<ParsedCriteria['range']>, sampled: SampledLines): [number, number][] {
  const per = ZONE_LINES / sampled.stride;
  const at = (sample: number) => (sample < sampled.samples ? sampled.offset(sample) : Infinity);
  const out: [number, number][] = [];
  for (let z = 0; z < zones.zoneCount; z++) {
    if (!zones.zoneMayTouch(z, range.space, range.start, range.last)) continue;
    const from = at(z * per);
    const to = at((z + 1) * per);
    const last = out.at(-1);
    if (last && last[1] === from) last[1] = to;
    else out.push([from, to]);
  }
  return out;
}

/** The first `max` of two ascending lists together, ascending, each line once. */
function mergeSorted(a: readonly number[], b: readonly number[], max: number): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (out.length < max && (i < a.length || j < b.length)) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out.at(-1) !== next) out.push(next);
  }
  return out;
}

/** What the finished replay noted for the filters. */
export interface ReplayNotes {
  devices: DeviceColumn;
  zones: RangeZones;
}

function exactCheck(catalog: EventCatalog, criteria: ParsedCriteria): LineCheck {
  const classify = createLineClassifier(catalog, { lazyFields: true });
  const check = (text: string, lineNo: number, offset: number): boolean => {
    const rec = classify(text, lineNo, offset);
    return rec.kind === 'event' && eventMatches(rec, criteria);
  };
  return check;
}

/**
 * A device filter (a BDF, nothing else) once the replay is done: the lines the replay noted for
 * that device, plus a byte scan for the events it does not note; undefined if it cannot answer.
 */
async function fromDeviceColumn(path: string, catalog: EventCatalog, c: ParsedCriteria, opts: FilterScanOptions, sampled: SampledLines, devices: DeviceColumn): Promise<LargeFilterResult | undefined> {
  if (c.device === undefined || !c.device.includes(':') || c.range || c.family !== undefined || c.asid !== undefined) return undefined;
  const t0 = performance.now();
  const limit = opts.limit ?? DEFAULT_FILTER_LIMIT;
  // one past the limit: the first line left out is what `scanned` reports
  const noted = devices.linesOf(c.device, limit + 1);
  if (!noted) return undefined;
  const plan = planFilter(c, catalog, (name) => DeviceColumn.notesAll(catalog, name));
  let found: number[] = [];
  if (plan && (plan.patterns.length > 0 || (plan.anyHit?.length ?? 0) > 0 || plan.zoned)) {
    // a noted line's answer is known already: in `noted` or no match
    const r = await planScan(path, plan, sampled, exactCheck(catalog, c), { limit, signal: opts.signal, onProgress: opts.onProgress, chunkBytes: opts.chunkBytes, skipLine: (l) => devices.noted(l), untilLine: noted.length > limit ? noted[limit] : undefined });
    found = r.truncated ? [...r.lines, r.scanned] : r.lines;
  }
  const all = found.length ? mergeSorted(noted, found, limit + 1) : noted;
  opts.onProgress?.(1, 1);
  const truncated = all.length > limit;
  return { lines: truncated ? all.slice(0, limit) : all, truncated, scanned: truncated ? all[limit] : sampled.lineCount, millis: performance.now() - t0 };
}

/** One pass over the file decoding every line; `onProgress` is called after each chunk. */
export async function scanFilterExact(path: string, catalog: EventCatalog, criteria: ParsedCriteria, opts: FilterScanOptions = {}): Promise<LargeFilterResult> {
  const t0 = performance.now();
  const limit = opts.limit ?? DEFAULT_FILTER_LIMIT;
  const out: number[] = [];
  // fields are parsed only when a criterion looks at them; nothing of a line outlives its test
  const classify = createLineClassifier(catalog, { lazyFields: true });
  let truncated = false;
  let scanned = 0;
  const split = new LineSplitter((text, lineNo, offset, cutBytes) => {
    if (truncated) return;
    scanned = lineNo;
    // an over-long line was a parse error for the engine: it matches nothing
    if (cutBytes >= 0) return;
    // an event name starting with the family is somewhere in the text
    if (criteria.family !== undefined && !text.includes(criteria.family)) return;
    const rec = classify(text, lineNo, offset);
    if (rec.kind !== 'event' || !eventMatches(rec, criteria)) return;
    if (out.length === limit) {
      truncated = true;
      return;
    }
    out.push(lineNo);
  }, DEFAULT_MAX_LINE_BYTES);
  const fh = await open(path, 'r');
  try {
    const total = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(opts.chunkBytes ?? 1 << 20);
    let read = 0;
    while (!truncated) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      read += bytesRead;
      split.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      opts.onProgress?.(read, total);
    }
    if (!truncated) split.end();
  } finally {
    await fh.close();
  }
  return { lines: out, truncated, scanned, millis: performance.now() - t0 };
}
