// The kernel-side IOTLB of one vhost/vDPA device held in memory (live sessions, the resolver,
// tests), one list per ASID, run by the rules of kernelIotlb.ts — the same rules the trace
// replay calls over its timeline. Entries are live (QEMU mapped them) or orphaned (the possibly
// still mapped rest of a map an INVALIDATE cut); a reset keeps them all (qemu-semantics §4.8).
import { isPerm, type Perm } from '../access.js';
import { hex, isU64, U64_MAX } from '../u64.js';
import { IntervalIndex } from '../memory/hvaIndex.js';
import { ERRNO, hasBackendFeature, VHOST_BACKEND_F_IOTLB_PERSIST, type ErrnoName, type IotlbMsgType } from './vhostUapi.js';
import { commitUpdate, describeRange, explainRefusal, invalidate as invalidateRule, judgeUpdate, type KernelEntry, type KernelIotlbStore, type RefusalCause } from './kernelIotlb.js';

export interface IotlbEntry extends KernelEntry {
  removedLine?: number;
  removedBy?: 'invalidate' | 'cleared' | 'trimmed';
  /** misses this UPDATE answered (device-IOTLB flow) */
  answered: IotlbMiss[];
}

export interface IotlbMiss {
  asid: number;
  iova: bigint;
  /** access the device attempted (VHOST_ACCESS_*) */
  perm: Perm;
  line?: number;
  answeredBy?: IotlbEntry;
  /** whether the answering entry grants the access that missed */
  permOk?: boolean;
}

export interface IotlbAccessFail {
  asid: number;
  iova: bigint;
  perm: Perm;
  line?: number;
}

/** What the kernel saw, kept for batch bookkeeping. */
export interface IotlbMessageRecord {
  type: IotlbMsgType;
  asid: number;
  iova?: bigint;
  /** a length, as in struct vhost_iotlb_msg */
  size?: bigint;
  line?: number;
  result: 'ok' | ErrnoName;
}

export interface IotlbBatch {
  beginLine?: number;
  endLine?: number;
  messages: IotlbMessageRecord[];
}

/** A refusal by the kernel's IOTLB message handler. */
export interface IotlbRefusal {
  ok: false;
  /** the handler's verdict inside the kernel */
  errno: ErrnoName;
  /** negative errno as the handler returns it */
  code: number;
  /** what QEMU's write() reports for EVERY refusal: vhost_chr_write_iter turns it into EFAULT (errno 14) */
  writeErrno: 'EFAULT';
  /** the reason, from the model state */
  reason: string;
  cause: RefusalCause;
  conflicts?: IotlbEntry[];
}

export type UpdateResult = { ok: true; entry: IotlbEntry; answered: IotlbMiss[]; cleared: { first: bigint; last: bigint }[]; uncertain: IotlbEntry[] } | IotlbRefusal;
export type InvalidateResult = { ok: true; removed: IotlbEntry[]; orphaned: IotlbEntry[] } | IotlbRefusal;
export type IotlbTranslation = { ok: true; hva: bigint; entry: IotlbEntry } | { ok: false; reason: string; orphan?: IotlbEntry };

export interface UpdateMsg {
  asid?: number;
  iova: bigint;
  /** LENGTH, as in the UPDATE message and the dma_map trace */
  size: bigint;
  uaddr: bigint;
  perm: Perm;
  line?: number;
  /**
   * What QEMU's log says happened ("failed to write … errno=14" or not). Needed only when the
   * UPDATE overlaps nothing but orphaned entries; without it such an UPDATE is taken as accepted
   * and reported in `uncertain`.
   */
  outcome?: 'accepted' | 'refused';
}
export interface InvalidateMsg {
  asid?: number;
  iova: bigint;
  /** LENGTH */
  size: bigint;
  line?: number;
}

export class IotlbInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IotlbInputError';
  }
}

const at = (line: number | undefined): string => (line === undefined ? '' : ` (line ${line})`);
const byIova = (a: IotlbEntry, b: IotlbEntry) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0);

function checkU64(what: string, v: bigint, line: number | undefined): void {
  if (typeof v !== 'bigint' || !isU64(v)) throw new IotlbInputError(`${what} ${String(v)}${at(line)} is not a u64`);
}

/** Per-ASID sorted lists: the in-memory KernelIotlbStore. */
class ListStore implements KernelIotlbStore<IotlbEntry> {
  readonly spaces = new Map<number, IotlbEntry[]>();
  readonly removed: IotlbEntry[] = [];
  changed = () => {};
  hasAsid(asid: number): boolean {
    return this.spaces.has(asid);
  }
  createAsid(asid: number): void {
    if (!this.spaces.has(asid)) this.spaces.set(asid, []);
  }
  overlapping(asid: number, first: bigint, last: bigint): IotlbEntry[] {
    return (this.spaces.get(asid) ?? []).filter((e) => e.iova <= last && first <= e.last);
  }
  insert(k: KernelEntry): IotlbEntry {
    const e: IotlbEntry = { ...k, answered: [] };
    this.createAsid(e.asid);
    const s = this.spaces.get(e.asid)!;
    s.push(e);
    s.sort(byIova);
    this.changed();
    return e;
  }
  remove(e: IotlbEntry, line: number | undefined, why: 'invalidate' | 'cleared' | 'trimmed'): void {
    const s = this.spaces.get(e.asid) ?? [];
    const i = s.indexOf(e);
    if (i < 0) return;
    s.splice(i, 1);
    if (line !== undefined) e.removedLine = line;
    e.removedBy = why;
    this.removed.push(e);
    this.changed();
  }
  confirm(e: IotlbEntry, line: number | undefined): void {
    if (line !== undefined) e.confirmedLine = line;
  }
}

export class DeviceIotlb {
  readonly device: string;
  readonly iovaRange: { first: bigint; last: bigint };
  private features = 0n;
  private readonly store = new ListStore();
  private byUaddr = new Map<number, IntervalIndex<IotlbEntry>>();
  private pending: IotlbMiss[] = [];
  readonly accessFails: IotlbAccessFail[] = [];
  readonly batches: IotlbBatch[] = [];
  private openBatch: IotlbBatch | undefined;

  /** `device` labels messages ('BB:DD.F' or a vdpa name); iovaRange is VHOST_VDPA_GET_IOVA_RANGE. */
  constructor(opts: { device?: string; iovaRange?: { first: bigint; last: bigint }; backendFeatures?: bigint } = {}) {
    this.device = opts.device ?? '';
    this.iovaRange = opts.iovaRange ?? { first: 0n, last: U64_MAX };
    this.features = opts.backendFeatures ?? 0n;
    this.store.changed = () => this.byUaddr.clear();
  }

  /** Entries removed by INVALIDATEs or cleared by later outcomes, oldest first. */
  get removed(): readonly IotlbEntry[] {
    return this.store.removed;
  }
  /** Backend features userspace acked (VHOST_SET_BACKEND_FEATURES), as a bit mask. */
  ackBackendFeatures(features: bigint): void {
    this.features = features;
  }
  get backendFeatures(): bigint {
    return this.features;
  }
  get iotlbPersist(): boolean {
    return hasBackendFeature(this.features, VHOST_BACKEND_F_IOTLB_PERSIST);
  }
  get inBatch(): boolean {
    return this.openBatch !== undefined;
  }
  get currentBatch(): IotlbBatch | undefined {
    return this.openBatch;
  }

  /** ASIDs the kernel has created (by UPDATE or BATCH_BEGIN), ascending. */
  asids(): number[] {
    return [...this.store.spaces.keys()].sort((a, b) => a - b);
  }
  /** Live entries of one ASID in IOVA order. */
  entries(asid = 0): readonly IotlbEntry[] {
    return (this.store.spaces.get(asid) ?? []).filter((e) => e.state === 'live');
  }
  /** Live and orphaned entries of one ASID in IOVA order. */
  allEntries(asid = 0): readonly IotlbEntry[] {
    return this.store.spaces.get(asid) ?? [];
  }
  pendingMisses(): readonly IotlbMiss[] {
    return this.pending;
  }

  private where(asid: number): string {
    return `ASID ${asid}${this.device ? ` of ${this.device}` : ''}`;
  }
  private record(r: IotlbMessageRecord): void {
    this.openBatch?.messages.push(r);
  }
  private refuse(errno: ErrnoName, what: string, cause: RefusalCause, asid: number, conflicts?: IotlbEntry[]): IotlbRefusal {
    const r: IotlbRefusal = { ok: false, errno, code: -ERRNO[errno], writeErrno: 'EFAULT', reason: `${what}: ${explainRefusal(cause, this.where(asid))}`, cause };
    if (conflicts) r.conflicts = conflicts;
    return r;
  }

  update(m: UpdateMsg): UpdateResult {
    const asid = m.asid ?? 0;
    for (const [k, v] of [['iova', m.iova], ['size', m.size], ['uaddr', m.uaddr]] as const) checkU64(`UPDATE ${k}`, v, m.line);
    if (!isPerm(m.perm)) throw new IotlbInputError(`UPDATE perm ${String(m.perm)}${at(m.line)} is not a vhost access value (0..3)`);
    const msg = { asid, iova: m.iova, size: m.size, uaddr: m.uaddr, perm: m.perm, ...(m.line === undefined ? {} : { line: m.line }) };
    const rec: IotlbMessageRecord = { type: 2, asid, iova: m.iova, size: m.size, result: 'ok', ...(m.line === undefined ? {} : { line: m.line }) };
    this.store.createAsid(asid); // the kernel creates the address space before it checks the message
    const verdict = judgeUpdate(this.store, this.iovaRange, msg);
    const what = `UPDATE iova ${hex(m.iova)} size ${hex(m.size)}${at(m.line)} refused`;
    if (verdict.kind === 'refuse' || (verdict.kind === 'uncertain' && m.outcome === 'refused') || (verdict.kind === 'accept' && m.outcome === 'refused')) {
      const cause: RefusalCause = verdict.kind === 'refuse' ? verdict.cause : verdict.kind === 'uncertain' ? { kind: 'overlap', live: [], orphaned: verdict.orphaned } : { kind: 'unknown' };
      const errno: ErrnoName = cause.kind === 'range' ? 'EINVAL' : cause.kind === 'overlap' ? 'EEXIST' : 'EFAULT';
      if (verdict.kind !== 'refuse') commitUpdate(this.store, msg, true);
      rec.result = errno;
      this.record(rec);
      const conflicts = cause.kind === 'overlap' ? ([...cause.live, ...cause.orphaned] as IotlbEntry[]) : undefined;
      return this.refuse(errno, what, cause, asid, conflicts);
    }
    const out = commitUpdate(this.store, msg, false);
    const entry = out.entry!;
    const answered = this.pending.filter((x) => x.asid === asid && x.iova >= entry.iova && x.iova <= entry.last);
    for (const x of answered) {
      x.answeredBy = entry;
      x.permOk = (entry.perm & x.perm) === x.perm;
    }
    entry.answered = answered;
    this.pending = this.pending.filter((x) => !answered.includes(x));
    this.record(rec);
    return { ok: true, entry, answered, cleared: out.cleared, uncertain: verdict.kind === 'uncertain' && m.outcome === undefined ? verdict.orphaned : [] };
  }

  /** INVALIDATE [iova, iova + size - 1]: see kernelIotlb.invalidate. */
  invalidate(m: InvalidateMsg): InvalidateResult {
    const asid = m.asid ?? 0;
    checkU64('INVALIDATE iova', m.iova, m.line);
    checkU64('INVALIDATE size', m.size, m.line);
    const rec: IotlbMessageRecord = { type: 3, asid, iova: m.iova, size: m.size, result: 'ok', ...(m.line === undefined ? {} : { line: m.line }) };
    const r = invalidateRule(this.store, { asid, iova: m.iova, size: m.size, ...(m.line === undefined ? {} : { line: m.line }) });
    if (!r.ok) {
      rec.result = 'EINVAL';
      this.record(rec);
      return this.refuse('EINVAL', `INVALIDATE iova ${hex(m.iova)}${at(m.line)} refused`, r.cause, asid);
    }
    this.record(rec);
    return r;
  }

  /** Live and orphaned entries satisfying the kernel's overlap test, IOVA order. */
  overlapping(asid: number, first: bigint, last: bigint): IotlbEntry[] {
    return this.store.overlapping(asid, first, last);
  }

  /** Where a live entry holds `iova`; an orphan there is named but does not translate (QEMU lost it). */
  translate(asid: number, iova: bigint): IotlbTranslation {
    const hit = this.store.overlapping(asid, iova, iova);
    const e = hit.find((x) => x.state === 'live');
    if (e) return { ok: true, hva: e.uaddr + (iova - e.iova), entry: e };
    const orphan = hit[0];
    const reason = `IOVA ${hex(iova)} not mapped in ${this.where(asid)}`;
    return orphan ? { ok: false, reason: `${reason} (it lies in ${describeRange(orphan.iova, orphan.last - orphan.iova + 1n)}, the possibly still mapped rest of the map from line ${orphan.createdLine ?? '?'})`, orphan } : { ok: false, reason };
  }

  /** Reverse lookup: live entries of `asid` whose host range holds `hva`, in IOVA order. */
  entriesForHva(asid: number, hva: bigint): IotlbEntry[] {
    let idx = this.byUaddr.get(asid);
    if (!idx) {
      idx = new IntervalIndex(this.entries(asid).map((e) => ({ first: e.uaddr, last: e.uaddr + (e.last - e.iova), value: e })));
      this.byUaddr.set(asid, idx);
    }
    return idx
      .stab(hva)
      .map((i) => i.value)
      .sort(byIova);
  }

  /** A VHOST_IOTLB_MISS from the device: kept pending until an UPDATE covers its IOVA. */
  miss(m: { asid?: number; iova: bigint; perm: Perm; line?: number }): IotlbMiss {
    checkU64('MISS iova', m.iova, m.line);
    const x: IotlbMiss = { asid: m.asid ?? 0, iova: m.iova, perm: m.perm };
    if (m.line !== undefined) x.line = m.line;
    this.pending.push(x);
    this.record({ type: 1, asid: x.asid, iova: x.iova, result: 'ok', ...(m.line === undefined ? {} : { line: m.line }) });
    return x;
  }

  accessFail(m: { asid?: number; iova: bigint; perm: Perm; line?: number }): IotlbAccessFail {
    const f: IotlbAccessFail = { asid: m.asid ?? 0, iova: m.iova, perm: m.perm };
    if (m.line !== undefined) f.line = m.line;
    this.accessFails.push(f);
    this.record({ type: 4, asid: f.asid, iova: f.iova, result: 'ok', ...(m.line === undefined ? {} : { line: m.line }) });
    return f;
  }

  /** BATCH_BEGIN creates the ASID like UPDATE does. A second BEGIN just keeps the batch open. */
  batchBegin(m: { asid?: number; line?: number } = {}): IotlbBatch {
    this.store.createAsid(m.asid ?? 0);
    if (!this.openBatch) {
      this.openBatch = { messages: [] };
      if (m.line !== undefined) this.openBatch.beginLine = m.line;
      this.batches.push(this.openBatch);
    }
    return this.openBatch;
  }

  /** BATCH_END closes the open batch; returns undefined when none was open (harmless). */
  batchEnd(m: { line?: number } = {}): IotlbBatch | undefined {
    const b = this.openBatch;
    if (b && m.line !== undefined) b.endLine = m.line;
    this.openBatch = undefined;
    return b;
  }

  /**
   * Device reset (SET_STATUS 0). vhost-vdpa's own IOTLB is never cleared by it (§4.8): every
   * entry is kept. Without IOTLB_PERSIST acked the kernel asks the parent to clean its
   * device-side maps (mlx5_vdpa and vdpa_sim do), so DMA to them may fail until QEMU remaps.
   */
  reset(): { persisted: boolean; kept: IotlbEntry[]; parentMayDrop: boolean } {
    const kept = [...this.store.spaces.values()].flat().filter((e) => e.state === 'live');
    return { persisted: this.iotlbPersist, kept, parentMayDrop: !this.iotlbPersist };
  }
}
