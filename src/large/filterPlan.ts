// Which lines of a large trace a filter must look at, decided from the criteria and the event
// definitions alone, as byte strings to search for: a line can match only if it names a
// candidate event (or contains the family text), and, for some events, only if it also contains
// one of a few "needles" (the hex text every address in the range starts with, the device's
// pointer text). It is a prefilter: every line it keeps is then checked the exact way
// (filter.ts eventMatches), so results are identical; it only has to never drop a match.
import { parsePrintfFormat, expandFormatMacros, type Conversion } from '../trace/format/printfSpec.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import type { EventDef } from '../trace/types.js';
import { EVENT_SPACES, type AddressField } from '../server/fieldSpaces.js';
import type { ParsedCriteria } from '../server/filterCriteria.js';
import { eventMayMatch } from './filter.js';

/** One of these must be in the line; undefined: no such test for that event. */
export type Needles = readonly Buffer[] | undefined;

export interface FilterPlan {
  /** byte strings whose occurrences mark the candidate lines (checked against `names` when given) */
  patterns: Buffer[];
  /** byte strings whose every occurrence marks a candidate line, whatever its event (the needles of events searched for by their needles) */
  anyHit?: Buffer[];
  /**
   * Events searched for only where the replay's zones say their addresses may reach the range
   * (rangeZones.ts): their patterns and names, as `patterns` and `names` are for the rest.
   */
  zoned?: { patterns: Buffer[]; names: ReadonlyMap<string, Needles> };
  /**
   * The events a candidate line must name at a pattern's hit (the name starts at the hit, whole,
   * followed by a space or the line end), with their needles. Undefined: any hit is a candidate.
   */
  names?: ReadonlyMap<string, Needles>;
}

const HEX_CONV = new Set(['x', 'X', 'p']);

/** The conversion that prints each argument of `def`, by argument name; undefined if unknown. */
function conversions(def: EventDef): Map<string, Conversion> | undefined {
  try {
    const spec = parsePrintfFormat(expandFormatMacros(def.format));
    if (spec.convs.length !== def.args.length) return undefined;
    return new Map(def.args.map((a, i) => [a.name, spec.convs[i]]));
  } catch {
    return undefined;
  }
}

/** The hex digits every value in [start, last] begins with when printed (no leading zeros). */
function commonHexPrefix(start: bigint, last: bigint): string {
  const a = start.toString(16);
  const b = last.toString(16);
  if (a.length !== b.length) return '';
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

const cased = (text: string, conv: readonly string[]): string[] => (conv.includes('X') && text.toUpperCase() !== text ? [text, text.toUpperCase()] : [text]);

/** Needles of a range criterion for one definition: only when every address field it could hit is a single value printed in hex. */
function rangeNeedles(def: EventDef, convs: Map<string, Conversion> | undefined, range: NonNullable<ParsedCriteria['range']>): string[] | undefined {
  const fields = Object.entries(EVENT_SPACES[def.name]?.fields ?? {}).filter(([, f]: [string, AddressField]) => range.space === undefined || f.space === range.space);
  if (!convs || fields.length === 0) return undefined;
  const used: string[] = [];
  for (const [name, f] of fields) {
    // a range from a length, mask or end: its start need not be in the range
    if (f.extent && !f.isEnd) return undefined;
    const c = convs.get(name)?.conv;
    if (c === undefined || !HEX_CONV.has(c)) return undefined;
    used.push(c);
  }
  const prefix = commonHexPrefix(range.start, range.last);
  return prefix === '' ? undefined : cased(prefix, used);
}

/**
 * Needles of a device criterion for one definition; [] when nothing on its lines can name the
 * device (pointer fields cannot name a BDF, a BDF cannot name a pointer).
 */
function deviceNeedles(def: EventDef, convs: Map<string, Conversion> | undefined, device: string, noted: NotedDevices | undefined): string[] | undefined {
  const pointerLike = /^0x[0-9a-f]+$/.test(device);
  const fromDevice = EVENT_SPACES[def.name]?.device;
  // formatBdf always prints a ':'; pointer text never does. A device noted by the replay is found there.
  if (fromDevice?.from === 'bdf' && device.includes(':') && !noted?.(def.name)) return undefined;
  const fields = new Set(def.args.filter((a) => a.type.includes('*')).map((a) => a.name));
  if (fromDevice?.from === 'pointer') fields.add(fromDevice.field);
  const out = new Set<string>();
  for (const name of fields) {
    const c = convs?.get(name)?.conv;
    if (c === undefined) return undefined;
    if (c === 's') {
      // a string is compared as printed
      out.add(device);
    } else if (HEX_CONV.has(c)) {
      // a number's pointer text is "0x" + lowercase hex
      if (pointerLike) for (const t of cased(device.slice(2), [c])) out.add(t);
    } else if (pointerLike) {
      return undefined;
    }
  }
  return [...out];
}

function needlesOf(def: EventDef, c: ParsedCriteria, noted: NotedDevices | undefined): string[] | undefined {
  const convs = conversions(def);
  const device = c.device !== undefined ? deviceNeedles(def, convs, c.device, noted) : undefined;
  if (device?.length === 0) return device;
  return (c.range ? rangeNeedles(def, convs, c.range) : undefined) ?? device;
}

/** The byte text every candidate name starts with: the family, else up to its first '_'. */
function groupOf(name: string, family: string | undefined): string {
  if (family !== undefined) return family;
  const u = name.indexOf('_');
  return u < 0 ? name : name.slice(0, u + 1);
}

/** Events whose BDF device the replay noted per line (deviceColumn.ts): a device filter gets those lines from there. */
export type NotedDevices = (eventName: string) => boolean;

/**
 * The plan for `c`, or undefined when every line must be looked at (no criterion narrows the
 * events). With `noted`, the plan leaves out what the device column answers (`c` is a device alone).
 */
export function planFilter(c: ParsedCriteria, catalog: EventCatalog, noted?: NotedDevices, zonedEvent?: (eventName: string) => boolean): FilterPlan | undefined {
  if (c.range === undefined && c.device === undefined && c.asid === undefined) {
    // an event-name prefix alone: unknown events (no definition) can match it too
    return c.family !== undefined ? { patterns: [Buffer.from(c.family, 'utf8')] } : undefined;
  }
  const names = new Map<string, Needles>();
  for (const def of catalog.definitions()) {
    if (!eventMayMatch({ name: def.name, def }, c)) continue;
    const n = needlesOf(def, c, noted);
    if (n?.length === 0) continue;
    // several definitions of one name (QEMU versions): a line may match any of them
    const had = names.get(def.name);
    if (names.has(def.name) && had === undefined) continue;
    const all = n === undefined ? undefined : [...new Set([...(had ?? []).map((b) => b.toString('latin1')), ...n])];
    names.set(def.name, all?.map((t) => Buffer.from(t, 'latin1')));
  }
  const bytes = (texts: string[]) => texts.map((p) => Buffer.from(p, 'latin1'));
  // events without needles that the zones note: looked for only in the zones that reach the range
  let zoned: FilterPlan['zoned'];
  if (zonedEvent) {
    const inZones = new Map([...names].filter(([name, n]) => n === undefined && zonedEvent(name)));
    for (const name of inZones.keys()) names.delete(name);
    if (inZones.size) zoned = { patterns: bytes(namePatterns(inZones, c.family)), names: inZones };
  }
  const plan = restPlan(names, c.family, bytes);
  return zoned ? { ...plan, zoned } : plan;
}

function restPlan(names: Map<string, Needles>, family: string | undefined, bytes: (t: string[]) => Buffer[]): FilterPlan {
  // events with needles by their needles (a line with one is a candidate whatever its event: the
  // exact check looks at that), the few others by their names
  const needles = needlePatterns(names, family);
  if (needles) {
    const bare = new Map([...names].filter(([, n]) => n === undefined));
    return { anyHit: bytes(needles), patterns: bytes([...bare.keys()]), names: bare };
  }
  return { patterns: bytes(namePatterns(names, family)), names };
}

/** At most this many needles (each at least NEEDLE_MIN bytes) are searched for instead of the names (with at most MAX_NAME_PATTERNS names without needles). */
const MAX_NEEDLE_PATTERNS = 4;
const NEEDLE_MIN = 4;
/** Up to this many names are searched for whole, more by their common beginnings. */
const MAX_NAME_PATTERNS = 3;

/**
 * What to search for. Each search is a pass over the bytes, each hit a little work: when every
 * candidate event has a few long needles, the needles (rare text: a pointer) are searched for
 * instead of the names; else a few names are searched whole, many by their beginnings ("vtd_").
 */
function needlePatterns(names: ReadonlyMap<string, Needles>, family: string | undefined): string[] | undefined {
  if (family !== undefined || names.size === 0) return undefined;
  const needles = new Set<string>();
  let bare = 0;
  for (const n of names.values()) {
    if (n === undefined) bare++;
    for (const b of n ?? []) needles.add(b.toString('latin1'));
  }
  if (bare > MAX_NAME_PATTERNS || needles.size === 0) return undefined;
  // a needle that contains another is found by the other's search
  const least = [...needles].filter((t) => ![...needles].some((u) => u !== t && t.includes(u)));
  return least.length <= MAX_NEEDLE_PATTERNS && least.every((t) => t.length >= NEEDLE_MIN) ? least : undefined;
}

function namePatterns(names: ReadonlyMap<string, Needles>, family: string | undefined): string[] {
  if (family !== undefined) return [family];
  if (names.size <= MAX_NAME_PATTERNS) return [...names.keys()];
  const groups = [...new Set([...names.keys()].map((n) => groupOf(n, undefined)))].sort((a, b) => a.length - b.length);
  // a group that starts with a shorter one is found by the shorter one's search
  return groups.filter((g, i) => !groups.slice(0, i).some((h) => g.startsWith(h)));
}
