// `info mtree -f`: the rendered FlatViews. Each view lists the address spaces that share it
// ("memory", "cpu-memory-0", a device's bus-master space…) and its non-overlapping ranges.
// Views come out in hash order and their numbers are per call, so look them up by AS name.
import { QemuParseError } from '../errors.js';
import { matchHead, regionKind, stripSuffixes, type MtreeKind } from './mtreeLine.js';

export interface FlatRange {
  start: bigint;
  /** Inclusive. */
  last: bigint;
  /** Terminal region (aliases already resolved by QEMU). */
  name: string;
  kind: MtreeKind;
  /** Offset into `name` that corresponds to `start` (0 when QEMU printed no `@…`). */
  offset: bigint;
  /** QEMU prints `rom` for every read-only flat range (PAM-protected pc.ram included). */
  readonly: boolean;
  priority: number;
  nonVolatile: boolean;
  /** Accelerators that have this range as a memory slot (e.g. ["kvm"]). */
  accel: string[];
}

export interface FlatViewAs {
  name: string;
  root: string;
  alias: string | undefined;
}

export interface FlatView {
  /** QEMU's per-call counter; not stable between calls. */
  number: number;
  addressSpaces: FlatViewAs[];
  /** Undefined for `(none)`. */
  rootRegion: string | undefined;
  ranges: FlatRange[];
}

const FV_HDR = /^FlatView #(\d+)$/;
const FV_AS = /^ AS "(?<as>.*)", root: (?<root>.*?)(?:, alias (?<alias>.*))?$/;
const FV_ROOT = /^ Root memory region: (.*)$/;
const OFFSET = / @([0-9a-f]{16})$/;

export function parseMtreeFlat(text: string): FlatView[] {
  const lines = text.split(/\r?\n/);
  const views: FlatView[] = [];
  let cur: FlatView | undefined;
  let inDispatch = false;
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') {
      inDispatch = false;
      return;
    }
    if (inDispatch) return;
    const hdr = FV_HDR.exec(line);
    if (hdr) {
      cur = { number: Number(hdr[1]), addressSpaces: [], rootRegion: undefined, ranges: [] };
      views.push(cur);
      return;
    }
    if (!cur) throw new QemuParseError('info mtree -f', lineNo, line, 'text before the first "FlatView #N"');
    const as = FV_AS.exec(line);
    if (as?.groups) {
      cur.addressSpaces.push({ name: as.groups.as, root: as.groups.root, alias: as.groups.alias });
      return;
    }
    const root = FV_ROOT.exec(line);
    if (root) {
      cur.rootRegion = root[1] === '(none)' ? undefined : root[1];
      return;
    }
    if (line.trim() === 'No rendered FlatView') return;
    // `-d` appends a dispatch dump to every view; it runs up to the blank line.
    if (/^ {2}Dispatch\b/.test(line)) {
      inDispatch = true;
      return;
    }
    const head = matchHead(line);
    if (!head || head.indent !== 2) throw new QemuParseError('info mtree -f', lineNo, line, 'not a flat range "  START-END (prio P, TYPE): NAME"');
    if (head.last < head.start) throw new QemuParseError('info mtree -f', lineNo, line, 'range end below its start');
    const sfx = stripSuffixes(head.rest);
    let name = sfx.text;
    let offset = 0n;
    const off = OFFSET.exec(name);
    if (off) {
      offset = BigInt('0x' + off[1]);
      name = name.slice(0, off.index);
    }
    cur.ranges.push({
      start: head.start,
      last: head.last,
      name,
      kind: regionKind(head.type, name),
      offset,
      readonly: head.type === 'rom',
      priority: head.priority,
      nonVolatile: head.nonVolatile,
      accel: sfx.accel,
    });
  });
  return views;
}

/** Every FlatView that the address space `asName` uses (device names can repeat: several views). */
export const flatViewsOf = (views: FlatView[], asName: string): FlatView[] =>
  views.filter((v) => v.addressSpaces.some((a) => a.name === asName));

/** The CPU/system view of guest-physical memory (AS "memory"). */
export function systemMemoryView(views: FlatView[]): FlatView {
  const found = flatViewsOf(views, 'memory');
  if (found.length !== 1) throw new Error(`info mtree -f: expected one FlatView for AS "memory", found ${found.length}`);
  return found[0];
}

/** The flat range holding `addr`, or undefined in a hole. Ranges are sorted and disjoint. */
export function findFlatRange(view: FlatView, addr: bigint): FlatRange | undefined {
  let lo = 0;
  let hi = view.ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = view.ranges[mid];
    if (addr < r.start) hi = mid - 1;
    else if (addr > r.last) lo = mid + 1;
    else return r;
  }
  return undefined;
}
