// The kernel vhost-vdpa IOTLB rules, per ASID (qemu-semantics §5.2, §4.8, §9.10), over a small
// store, so any source keeps them once (the trace replay runs them over its memory-tuned timeline,
// src/trace/replay/vdpaKernelStore.ts):
// - UPDATE: range checks, then any overlap with an entry of the ASID refuses it; a refused UPDATE
//   leaves the IOTLB exactly as it was. Every refusal reads as errno 14 (EFAULT) in QEMU, so the
//   reason comes from this state, never from the errno.
// - The kernel keeps one UPDATE as several entries (PA mode: one per physically contiguous run of
//   pinned pages; VA mode: one per VMA), boundaries a trace cannot see. An INVALIDATE that covers
//   part of a map removes the chunks it touches; the rest of the map is "possibly still mapped"
//   (orphaned: QEMU no longer knows about it). Later outcomes settle it: an UPDATE over it that
//   is refused confirms it, one that succeeds clears it from the cut up to the UPDATE's far end.
// - A device reset never clears this IOTLB (only INVALIDATE, closing the fd or dropping the ASID).
import { U64_MAX, add64, hex, sub64 } from '../u64.js';
import type { Perm } from '../access.js';

export type IotlbEntryState = 'live' | 'orphaned';

/** One entry as the rules see it. Orphaned entries are the possibly-still-mapped remainders. */
export interface KernelEntry {
  asid: number;
  iova: bigint;
  /** inclusive */
  last: bigint;
  /** HVA of `iova` */
  uaddr: bigint;
  perm: Perm;
  state: IotlbEntryState;
  /** the UPDATE that created the map (for an orphan: the map it is the rest of) */
  createdLine?: number;
  /** orphans: the INVALIDATE that cut the map */
  cutLine?: number;
  /** orphans: the cut lies just below `iova` (this is the upper rest) / just above `last` */
  cutBelow?: boolean;
  cutAbove?: boolean;
  /** orphans: a refused UPDATE showed that the kernel still holds (part of) it */
  confirmedLine?: number;
  /** orphans: the live entry this is the rest of (as the store handed it out) */
  from?: KernelEntry;
}

/** Where the rules keep entries: a plain list per ASID, or the replay's timeline tables. */
export interface KernelIotlbStore<E extends KernelEntry> {
  hasAsid(asid: number): boolean;
  /** the kernel creates an ASID on demand for UPDATE and BATCH_BEGIN */
  createAsid(asid: number): void;
  /** live and orphaned entries of `asid` overlapping [first, last], in IOVA order */
  overlapping(asid: number, first: bigint, last: bigint): E[];
  insert(e: KernelEntry, line: number | undefined): E;
  remove(e: E, line: number | undefined, why: 'invalidate' | 'cleared' | 'trimmed'): void;
  /** a refused UPDATE showed `e` is still there */
  confirm(e: E, line: number | undefined): void;
}

export interface IotlbMsgRange {
  asid: number;
  iova: bigint;
  /** LENGTH, as in struct vhost_iotlb_msg */
  size: bigint;
  line?: number;
}
export interface UpdateMsgFull extends IotlbMsgRange {
  uaddr: bigint;
  perm: Perm;
}

/** Why the kernel refuses (or may refuse) a message, from the model state. */
export type RefusalCause<E extends KernelEntry = KernelEntry> =
  | { kind: 'range'; text: string }
  | { kind: 'overlap'; live: E[]; orphaned: E[] }
  | { kind: 'no-asid'; asid: number }
  | { kind: 'unknown' };

export type UpdateVerdict<E extends KernelEntry = KernelEntry> =
  | { kind: 'accept' }
  | { kind: 'refuse'; cause: RefusalCause<E> }
  /** only orphaned (possibly still mapped) entries overlap: QEMU's log decides */
  | { kind: 'uncertain'; orphaned: E[] };

export interface IovaRange {
  first: bigint;
  last: bigint;
}

const rng = (a: bigint, b: bigint) => `[${hex(a)}, ${hex(b)}]`;
const at = (line: number | undefined) => (line === undefined ? '' : ` (line ${line})`);

/** The kernel's UPDATE range checks, in its order; undefined when valid. */
export function updateRangeError(range: IovaRange, iova: bigint, size: bigint): string | undefined {
  // worded only when refused: this runs on every UPDATE
  const dev = () => `the device IOVA range ${rng(range.first, range.last)}`;
  if (iova < range.first) return `IOVA ${hex(iova)} is outside ${dev()} (below its start)`;
  if (size === 0n) return 'size 0';
  if (iova > U64_MAX - size + 1n) return 'the range wraps past 2^64';
  if (iova + size - 1n > range.last) return `${rng(iova, iova + size - 1n)} is outside ${dev()} (past its end)`;
  return undefined;
}

/** What the kernel does with this UPDATE, judged on the state before it (no change made). */
export function judgeUpdate<E extends KernelEntry>(store: KernelIotlbStore<E>, range: IovaRange, m: UpdateMsgFull): UpdateVerdict<E> {
  const bad = updateRangeError(range, m.iova, m.size);
  if (bad) return { kind: 'refuse', cause: { kind: 'range', text: bad } };
  const hit = store.overlapping(m.asid, m.iova, m.iova + m.size - 1n);
  const live = hit.filter((e) => e.state === 'live');
  const orphaned = hit.filter((e) => e.state === 'orphaned');
  if (live.length) return { kind: 'refuse', cause: { kind: 'overlap', live, orphaned } };
  if (orphaned.length) return { kind: 'uncertain', orphaned };
  return { kind: 'accept' };
}

export interface UpdateOutcome<E extends KernelEntry> {
  /** the new live entry when accepted */
  entry?: E;
  /** orphans confirmed by the refusal */
  confirmed: E[];
  /** orphan ranges shown gone by the success */
  cleared: IovaRange[];
}

/**
 * Apply an UPDATE whose outcome is known: `refused` changes nothing but what it teaches about the
 * orphans it overlapped (they are still there); `accepted` adds the entry and clears what the
 * success shows was gone. An accepted verdict of 'refuse' is a contradiction the caller reports.
 */
export function commitUpdate<E extends KernelEntry>(store: KernelIotlbStore<E>, m: UpdateMsgFull, refused: boolean): UpdateOutcome<E> {
  const last = m.iova + m.size - 1n;
  store.createAsid(m.asid);
  const hit = store.overlapping(m.asid, m.iova, last).filter((e) => e.state === 'orphaned');
  if (refused) {
    for (const o of hit) store.confirm(o, m.line);
    return { confirmed: hit, cleared: [] };
  }
  const cleared: IovaRange[] = [];
  for (const o of hit) {
    // the chunk that held this part reached the cut (only chunks touching the cut were dropped)
    const from = o.cutBelow ? o.iova : m.iova > o.iova ? m.iova : o.iova;
    const to = o.cutAbove && !o.cutBelow ? o.last : last < o.last ? last : o.last;
    cleared.push({ first: from, last: to });
    store.remove(o, m.line, 'cleared');
    if (from > o.iova) store.insert({ ...pick(o), last: from - 1n }, m.line);
    if (to < o.last) store.insert({ ...pick(o), iova: to + 1n, uaddr: o.uaddr + (to + 1n - o.iova) }, m.line);
  }
  const entry = store.insert({ asid: m.asid, iova: m.iova, last, uaddr: m.uaddr, perm: m.perm, state: 'live', ...(m.line === undefined ? {} : { createdLine: m.line }) }, m.line);
  return { entry, confirmed: [], cleared };
}

function pick(e: KernelEntry): KernelEntry {
  const o: KernelEntry = { asid: e.asid, iova: e.iova, last: e.last, uaddr: e.uaddr, perm: e.perm, state: e.state };
  for (const k of ['createdLine', 'cutLine', 'cutBelow', 'cutAbove', 'confirmedLine', 'from'] as const) if (e[k] !== undefined) (o as unknown as Record<string, unknown>)[k] = e[k];
  return o;
}

export type InvalidateOutcome<E extends KernelEntry> =
  | { ok: true; removed: E[]; orphaned: E[] }
  | { ok: false; cause: RefusalCause<E> };

/**
 * INVALIDATE [iova, iova + size - 1] (u64 end, so 2^63 + 2^63 reaches 2^64 - 1). Live maps it
 * covers whole go; one it covers in part leaves its rest orphaned; orphans lose the part covered.
 */
export function invalidate<E extends KernelEntry>(store: KernelIotlbStore<E>, m: IotlbMsgRange): InvalidateOutcome<E> {
  if (!store.hasAsid(m.asid)) return { ok: false, cause: { kind: 'no-asid', asid: m.asid } };
  const last = sub64(add64(m.iova, m.size), 1n);
  const spans: IovaRange[] = last >= m.iova ? [{ first: m.iova, last }] : [{ first: 0n, last }, { first: m.iova, last: U64_MAX }];
  const removed: E[] = [];
  const orphaned: E[] = [];
  for (const s of spans) {
    for (const e of store.overlapping(m.asid, s.first, s.last)) {
      removed.push(e);
      store.remove(e, m.line, e.state === 'live' ? 'invalidate' : 'trimmed');
      // wholly inside the range: nothing of it is left over
      if (e.iova >= s.first && e.last <= s.last) continue;
      const base = pick(e);
      const rest: KernelEntry = { ...base, state: 'orphaned', cutLine: e.state === 'live' ? m.line : e.cutLine, from: e.state === 'live' ? e : (e.from ?? e) };
      if (m.line === undefined) delete rest.cutLine;
      if (e.iova < s.first) {
        const low: KernelEntry = { ...rest, last: s.first - 1n, cutAbove: true };
        if (e.state !== 'live' && e.cutBelow) low.cutBelow = true;
        else delete low.cutBelow;
        orphaned.push(store.insert(low, m.line));
      }
      if (e.last > s.last) {
        const high: KernelEntry = { ...rest, iova: s.last + 1n, uaddr: e.uaddr + (s.last + 1n - e.iova), cutBelow: true };
        if (e.state !== 'live' && e.cutAbove) high.cutAbove = true;
        else delete high.cutAbove;
        orphaned.push(store.insert(high, m.line));
      }
    }
  }
  return { ok: true, removed, orphaned };
}

/** Words for one entry: "the live map [a, b] from line N" / "the orphaned rest [a, b] of …". */
export function describeEntry(e: KernelEntry): string {
  if (e.state === 'live') return `the live map ${rng(e.iova, e.last)}${e.createdLine === undefined ? '' : ` from line ${e.createdLine}`}`;
  const cut = e.cutLine === undefined ? '' : ` cut by the INVALIDATE at line ${e.cutLine}`;
  const conf = e.confirmedLine === undefined ? '' : `, still held as a refusal at line ${e.confirmedLine} showed`;
  return `the orphaned rest ${rng(e.iova, e.last)} of the map${e.createdLine === undefined ? '' : ` from line ${e.createdLine}`}${cut} (possibly still mapped: QEMU no longer knows about it${conf})`;
}

/** Why the kernel refused a message, worded from the state (errno 14 says nothing more). */
export function explainRefusal(cause: RefusalCause, where: string): string {
  switch (cause.kind) {
    case 'range':
      return `the kernel rejects the range (EINVAL): ${cause.text}`;
    case 'no-asid':
      return `${where.replace(/^ASID \d+/, `ASID ${cause.asid}`)} was never created (no UPDATE or BATCH_BEGIN for it), so the kernel refuses the INVALIDATE`;
    case 'overlap': {
      const all = [...cause.live, ...cause.orphaned];
      return `the kernel still holds ${all.map(describeEntry).join(', ')} in ${where}, and refuses any overlapping UPDATE (EEXIST inside the kernel)`;
    }
    case 'unknown':
      return `nothing in the model explains it (no overlap with a live or orphaned map in ${where}, range inside the device's): a cause a trace cannot show, e.g. a pinning failure, RLIMIT_MEMLOCK, or memory the parent cannot map`;
  }
}

export const describeRange = (iova: bigint, size: bigint, line?: number): string => `${rng(iova, iova + size - 1n)}${at(line)}`;
