// The device each line's event belongs to by PCI BDF, noted while the replay parses the line
// anyway (a byte per line: the devices a trace names are few), so a device filter answers from
// it instead of decoding every VT-d line again. Events whose device is a BDF (fieldSpaces: from
// 'bdf') are noted; the filter finds the rest by bytes.
import type { EventDef, FieldValue } from '../trace/types.js';
import type { EventCatalog } from '../trace/catalog/eventCatalog.js';
import { EVENT_SPACES } from '../server/fieldSpaces.js';

/** DeviceColumn.notes by definition (asked for every event the replay reads) */
const noted = new WeakMap<EventDef, boolean>();

/** Ids 1..MAX_IDS name devices; 0: nothing noted on that line. */
const MAX_IDS = 255;

export class DeviceColumn {
  private readonly ids: Uint8Array;
  private readonly names: string[] = [''];
  private readonly byName = new Map<string, number>();
  /** more distinct devices than ids: the column cannot answer */
  overflow = false;

  constructor(lineCount: number) {
    this.ids = new Uint8Array(lineCount);
  }

  /**
   * Whether the column notes the device of an event of this definition: its device is a BDF and
   * it prints no pointer (which could name a device too). The replay parses its fields for that if
   * the engine does not.
   */
  static notes(def: EventDef): boolean {
    let n = noted.get(def);
    if (n === undefined) {
      n = EVENT_SPACES[def.name]?.device?.from === 'bdf' && !def.args.some((a) => a.type.includes('*'));
      noted.set(def, n);
    }
    return n;
  }

  /** Whether every definition of the event is noted (the filter need not look for its device elsewhere). */
  static notesAll(catalog: EventCatalog, name: string): boolean {
    const defs = catalog.lookup(name);
    return defs !== undefined && defs.every((c) => DeviceColumn.notes(c.def));
  }

  /** Whether the device on 1-based `line` is noted (its event is one of those noted). */
  noted(line: number): boolean {
    return this.ids[line - 1] !== 0;
  }

  /** Note the device of a parsed event on 1-based `line`. */
  note(line: number, name: string, fields: Record<string, FieldValue>): void {
    const dev = EVENT_SPACES[name]?.device?.(fields);
    if (dev === undefined || line < 1 || line > this.ids.length) return;
    let id = this.byName.get(dev);
    if (id === undefined) {
      if (this.names.length > MAX_IDS) {
        this.overflow = true;
        return;
      }
      id = this.names.length;
      this.names.push(dev);
      this.byName.set(dev, id);
    }
    this.ids[line - 1] = id;
  }

  /** The first `max` 1-based lines whose noted device is `device`, ascending; undefined if the column cannot tell. */
  linesOf(device: string, max = Infinity): number[] | undefined {
    if (this.overflow) return undefined;
    const id = this.byName.get(device);
    const out: number[] = [];
    if (id === undefined) return out;
    const ids = this.ids;
    for (let i = ids.indexOf(id); i >= 0 && out.length < max; i = ids.indexOf(id, i + 1)) out.push(i + 1);
    return out;
  }

  get bytes(): number {
    return this.ids.byteLength;
  }
}
