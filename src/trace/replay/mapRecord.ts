// One mapping of the timeline, kept small: a replay of a long trace holds hundreds of thousands
// of them for its whole life, and almost none is ever shown. So a record keeps numbers and
// shared references only; the texts users read (what it maps, what removed it) are built from
// those when asked, and read the same as texts stored whole would.
import { hex } from '../../model/u64.js';
import type { Perm } from '../../model/access.js';

export interface MapRecord {
  readonly id: number;
  readonly table: number;
  readonly start: bigint;
  /** inclusive */
  readonly last: bigint;
  /** translated address of `start` */
  readonly target: bigint;
  readonly perm: Perm;
  readonly createdLine: number;
  readonly removedLine?: number;
  /** what removed it, e.g. "dma_unmap", "reset", "psi", "region_del" */
  readonly removedBy?: string;
  /** name of what it maps, e.g. "GPA [0x0, 0x7fffffff]", "SVQ ring", a region name */
  readonly owner?: string;
  /** the record this one was derived from (e.g. an IOTLB entry's section) */
  readonly source?: number;
}

/** An owner named after the record's own range: `${prefix} [start, last]`. */
export interface RangeLabel {
  readonly prefix: string;
}

/** The owner is the owner of the record named by `source` (an IOTLB map names its section). */
export const OWNER_OF_SOURCE: unique symbol = Symbol('owner of the source record');

/** How a new record names its owner: a fixed text, a range label, or its source's owner. */
export type OwnerLabel = string | RangeLabel | typeof OWNER_OF_SOURCE;

/** Texts told by number (e.g. an invalidation in a compact log), resolved when read. */
export interface ReasonSource {
  reason(index: number): string;
}

/** What a record reads from its timeline: its addresses (kept in columns) and its texts. */
export interface RecordStore {
  start(id: number): bigint;
  last(id: number): bigint;
  target(id: number): bigint;
  record(id: number): MapRecord | undefined;
  reasonText(code: number): string;
}

const rangeLabels = new Map<string, RangeLabel>();

/** The shared label for `prefix`: records of one kind share it instead of each holding a text. */
export function rangeLabel(prefix: string): RangeLabel {
  let l = rangeLabels.get(prefix);
  if (!l) {
    l = { prefix };
    // prefixes are few (a region kind, a vhost region name); cap the cache against odd traces
    if (rangeLabels.size < 4096) rangeLabels.set(prefix, l);
  }
  return l;
}

const sharedTexts = new Map<string, string>();

/** One copy of a text many records carry (e.g. "ASID 1 mapping"), so each holds a reference. */
export function sharedText(text: string): string {
  const s = sharedTexts.get(text);
  if (s !== undefined) return s;
  if (sharedTexts.size < 4096) sharedTexts.set(text, text);
  return text;
}

/** table id and perm in one small integer: table << 2 | perm */
const PERM_BITS = 2;

export class TimelineRecord implements MapRecord {
  removedLine: number | undefined = undefined;
  /** a literal reason, or a code the timeline turns into text */
  private why: string | number | undefined = undefined;
  private readonly tablePerm: number;

  constructor(
    private readonly store: RecordStore,
    readonly id: number,
    table: number,
    perm: Perm,
    readonly createdLine: number,
    private readonly label: OwnerLabel | undefined,
    readonly source: number | undefined,
  ) {
    this.tablePerm = (table << PERM_BITS) | (perm & 3);
  }

  get table(): number {
    return this.tablePerm >> PERM_BITS;
  }

  get perm(): Perm {
    return (this.tablePerm & 3) as Perm;
  }

  get start(): bigint {
    return this.store.start(this.id);
  }

  get last(): bigint {
    return this.store.last(this.id);
  }

  get target(): bigint {
    return this.store.target(this.id);
  }

  get owner(): string | undefined {
    const l = this.label;
    if (l === undefined || typeof l === 'string') return l;
    if (l === OWNER_OF_SOURCE) return this.source === undefined ? undefined : this.store.record(this.source)?.owner;
    return `${l.prefix} [${hex(this.start)}, ${hex(this.last)}]`;
  }

  get removedBy(): string | undefined {
    const w = this.why;
    return typeof w === 'number' ? this.store.reasonText(w) : w;
  }

  /** Called by the timeline only: a record is removed once. */
  markRemoved(line: number, by: string | number): void {
    this.removedLine = line;
    this.why = by;
  }
}
