// Where each stretch of a large trace reaches in each address space, noted while the replay
// parses its lines anyway: per zone of ZONE_LINES lines, the lowest and highest 4 KiB page that
// the ranges of its events (a translation's masked IOVA, a map's IOVA + size …) touch. A filter
// for an address range then decodes such a line only when its zone reaches the range: most
// translations need not be parsed again. Covers the events whose address fields are ranges
// (their start need not be printed in the range, so no byte test finds them).
import type { EventDef, FieldValue } from '../trace/types.js';
import { EVENT_SPACES, fieldBigint, fieldRange } from '../server/fieldSpaces.js';
import type { Space } from '../trace/replay/spaces.js';

export const ZONE_LINES = 256;
const SPACES: readonly Space[] = ['gpa', 'hva', 'iova', 'giova'];
const page = (a: bigint): number => Number(a >> 12n);
/** RangeZones.notes by event name (asked for every event the replay reads) */
const noted = new Map<string, boolean>();

export class RangeZones {
  /** per zone and space: lowest and highest page, [zone * 8 + space * 2] and [+1] */
  private readonly pages: Float64Array;

  constructor(lineCount: number) {
    const zones = Math.ceil(lineCount / ZONE_LINES);
    this.pages = new Float64Array(zones * SPACES.length * 2);
    for (let i = 0; i < this.pages.length; i += 2) {
      this.pages[i] = Infinity;
      this.pages[i + 1] = -Infinity;
    }
  }

  /** Whether the zones note every line of an event of this definition (it has a range field; the replay parses it for the zones if the engine does not). */
  static notes(def: EventDef): boolean {
    let n = noted.get(def.name);
    if (n === undefined) {
      const s = EVENT_SPACES[def.name];
      n = s !== undefined && Object.values(s.fields).some((f) => f.extent !== undefined && !f.isEnd);
      noted.set(def.name, n);
    }
    return n;
  }

  /** Note the ranges of a parsed event on 1-based `line`. */
  note(line: number, name: string, fields: Record<string, FieldValue>): void {
    const spaces = EVENT_SPACES[name];
    if (!spaces) return;
    const base = Math.floor((line - 1) / ZONE_LINES) * SPACES.length * 2;
    if (base >= this.pages.length || base < 0) return;
    for (const [field, af] of Object.entries(spaces.fields)) {
      const addr = fieldBigint(fields[field]);
      if (addr === undefined) continue;
      const r = af.isEnd ? { start: addr, last: addr } : fieldRange(af, addr, fields, spaces.fields);
      const i = base + SPACES.indexOf(af.space) * 2;
      const lo = page(r.start);
      const hi = page(r.last);
      if (lo < this.pages[i]) this.pages[i] = lo;
      if (hi > this.pages[i + 1]) this.pages[i + 1] = hi;
    }
  }

  /** Could a noted event on 1-based `line` touch [start, last] in `space` (any space: undefined)? */
  mayTouch(line: number, space: Space | undefined, start: bigint, last: bigint): boolean {
    return this.zoneMayTouch(Math.floor((line - 1) / ZONE_LINES), space, start, last);
  }

  get zoneCount(): number {
    return this.pages.length / (SPACES.length * 2);
  }

  /** Could a noted event in zone `z` (lines z * ZONE_LINES + 1 …) touch [start, last] in `space`? */
  zoneMayTouch(z: number, space: Space | undefined, start: bigint, last: bigint): boolean {
    const base = z * SPACES.length * 2;
    const lo = page(start);
    const hi = page(last);
    for (let s = 0; s < SPACES.length; s++) {
      if (space !== undefined && SPACES[s] !== space) continue;
      const i = base + s * 2;
      if (this.pages[i] <= hi && this.pages[i + 1] >= lo) return true;
    }
    return false;
  }
}
