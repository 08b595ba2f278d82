// The set of event definitions a reader matches lines against: the built-in groups (parsed from
// their trace-events text by our own parser, so there is one source of truth) plus any
// trace-events files the user supplies, which are tried first for the names they define.
import type { EventDef } from '../types.js';
import { compileEvent, type CompiledEvent } from '../format/compile.js';
import { MAX_DEFINITIONS, MAX_TRACE_EVENTS_BYTES, parseTraceEvents, type TraceEventsProblem } from '../format/traceEvents.js';
import { readRegularTextFile } from '../read/inputFile.js';
import type { CatalogGroup } from './group.js';
import { vhostVdpaGroups } from './vhostVdpa.js';
import { vtdGroups } from './vtd.js';
import { virtioGroups } from './virtio.js';
import { virtioDeviceGroups } from './virtioDevices.js';
import { iommuAndMemoryGroups } from './iommuAndMemory.js';

export interface CatalogOptions {
  /**
   * The trace comes from QEMU < 7.0, where vtd_page_walk_one / vtd_translate_pt /
   * vtd_pt_enable_fast_path printed a decimal domain or sid after "0x". Without this the value
   * is read as hex (right for 7.0+).
   */
  vtdDecimalDomain?: boolean;
}

export const BUILTIN_GROUPS: readonly CatalogGroup[] = [
  ...vhostVdpaGroups,
  ...virtioGroups,
  ...virtioDeviceGroups,
  ...vtdGroups,
  ...iommuAndMemoryGroups,
];

let builtinCache: EventDef[] | undefined;

/** Every built-in definition in catalog order (newest variant of an event first). */
export function builtinEventDefs(): EventDef[] {
  if (!builtinCache) {
    const defs: EventDef[] = [];
    const problems: TraceEventsProblem[] = [];
    for (const g of BUILTIN_GROUPS) {
      const r = parseTraceEvents(g.text, `builtin:qemu-${g.qemu}:${g.family}`);
      defs.push(...r.defs);
      problems.push(...r.problems);
    }
    // the built-in text is ours: a problem here is a bug, not bad input
    if (problems.length) throw new Error(`built-in trace catalog: ${problems.map((p) => `${p.source}: ${p.message}`).join('; ')}`);
    builtinCache = defs;
  }
  return builtinCache;
}

function preferredFirst(opts: CatalogOptions): EventDef[] {
  const defs = builtinEventDefs();
  if (!opts.vtdDecimalDomain) return defs;
  const preferred = new Set(BUILTIN_GROUPS.filter((g) => g.preferWith === 'vtdDecimalDomain').map((g) => `builtin:qemu-${g.qemu}:${g.family}:`));
  const isPreferred = (d: EventDef): boolean => [...preferred].some((p) => d.source.startsWith(p));
  return [...defs.filter(isPreferred), ...defs.filter((d) => !isPreferred(d))];
}

/** s has `name` at `start` (a char loop: cheaper than startsWith for these short names) */
function sameChars(s: string, start: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) if (s.charCodeAt(start + i) !== name.charCodeAt(i)) return false;
  return true;
}

/** Step of the name hash the line scanner computes while it walks the name's characters. */
export const nameHashStep = (h: number, c: number): number => (Math.imul(h, 31) + c) | 0;

export interface CatalogEntry {
  name: string;
  defs: readonly CompiledEvent[];
}

export class EventCatalog {
  private readonly byName = new Map<string, CompiledEvent[]>();
  // keyed by the name's hash so a line's name can be looked up without slicing it out first
  private readonly byHash = new Map<number, CatalogEntry[]>();

  /** defs in priority order: for one name, earlier definitions are tried first */
  constructor(defs: readonly EventDef[]) {
    for (const d of defs) {
      const list = this.byName.get(d.name);
      const c = compileEvent(d);
      if (list) list.push(c);
      else this.byName.set(d.name, [c]);
    }
    for (const [name, defs] of this.byName) {
      let h = 0;
      for (let i = 0; i < name.length; i++) h = nameHashStep(h, name.charCodeAt(i));
      const bucket = this.byHash.get(h);
      if (bucket) bucket.push({ name, defs });
      else this.byHash.set(h, [{ name, defs }]);
    }
  }

  /** The entry for the name s[start, end) whose hash (nameHashStep over its chars) is `hash`. */
  lookupSpan(s: string, start: number, end: number, hash: number): CatalogEntry | undefined {
    const bucket = this.byHash.get(hash);
    if (bucket === undefined) return undefined;
    for (let i = 0; i < bucket.length; i++) {
      const e = bucket[i];
      if (e.name.length === end - start && sameChars(s, start, e.name)) return e;
    }
    return undefined;
  }

  /** Every name with its definitions, in priority order (for readers that build their own lookup). */
  entries(): CatalogEntry[] {
    const out: CatalogEntry[] = [];
    for (const bucket of this.byHash.values()) for (const e of bucket) out.push(e);
    return out;
  }

  static builtin(opts: CatalogOptions = {}): EventCatalog {
    return new EventCatalog(preferredFirst(opts));
  }

  /** A catalog where `defs` come before this catalog's definitions of the same names. */
  withFirst(defs: readonly EventDef[]): EventCatalog {
    return new EventCatalog([...defs, ...this.definitions()]);
  }

  lookup(name: string): readonly CompiledEvent[] | undefined {
    return this.byName.get(name);
  }

  get size(): number {
    return this.byName.size;
  }

  definitions(): EventDef[] {
    const out: EventDef[] = [];
    for (const list of this.byName.values()) for (const c of list) out.push(c.def);
    return out;
  }
}

export interface LoadedTraceEvents {
  catalog: EventCatalog;
  defs: EventDef[];
  /** malformed definitions and unreadable files, each with its path (and line) */
  problems: TraceEventsProblem[];
}

/**
 * Read user trace-events files (e.g. the trace-events-all of the QEMU build that wrote the
 * trace). Their definitions take precedence over the built-ins for the same event name; later
 * files come after earlier ones.
 */
export async function loadTraceEvents(paths: readonly string[], base: EventCatalog = EventCatalog.builtin()): Promise<LoadedTraceEvents> {
  const defs: EventDef[] = [];
  const problems: TraceEventsProblem[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readRegularTextFile(path, MAX_TRACE_EVENTS_BYTES);
    } catch (e) {
      problems.push({ source: path, message: `cannot read trace-events file: ${(e as Error).message}` });
      continue;
    }
    const r = parseTraceEvents(text, path, MAX_DEFINITIONS - defs.length);
    for (const d of r.defs) defs.push(d);
    for (const p of r.problems) problems.push(p);
  }
  return { catalog: base.withFirst(defs), defs, problems };
}
