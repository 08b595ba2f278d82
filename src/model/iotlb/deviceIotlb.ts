// The kernel-side IOTLB of one vhost/vDPA device, one interval map per ASID, with the kernel's
// rules (qemu-semantics §5.2, §9.10): UPDATE never replaces or merges (any overlap → EEXIST),
// INVALIDATE drops every overlapping map WHOLE, a reset without IOTLB_PERSIST loses everything.
// QEMU's own view can disagree with this one; that disagreement is what the product shows.
import { isPerm, type Perm } from '../access.js';
import { add64, hex, isU64, sub64, U64_MAX } from '../u64.js';
import { IntervalIndex } from '../memory/hvaIndex.js';
import { ERRNO, hasBackendFeature, VHOST_BACKEND_F_IOTLB_PERSIST, type ErrnoName, type IotlbMsgType } from './vhostUapi.js';

export interface IotlbEntry {
  asid: number;
  iova: bigint;
  /** inclusive: iova + size - 1 of the UPDATE */
  last: bigint;
  /** HVA of `iova` */
  uaddr: bigint;
  perm: Perm;
  createdLine?: number;
  removedLine?: number;
  removedBy?: 'invalidate' | 'reset';
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
  /** the handler's verdict (qemu-semantics §5.2) */
  errno: ErrnoName;
  /** negative errno as the handler returns it */
  code: number;
  /**
   * What QEMU's write() most likely reports: the vhost char-device write path appears to turn
   * any handler error into EFAULT, which matches the errno=14 seen in QEMU logs. UNVERIFIED, and
   * at odds with the errno=17 quoted for EEXIST in qemu-semantics §9.10 — hence both fields.
   */
  writeErrno: 'EFAULT';
  reason: string;
  conflicts?: IotlbEntry[];
}

export type UpdateResult = { ok: true; entry: IotlbEntry; answered: IotlbMiss[] } | IotlbRefusal;
export type InvalidateResult = { ok: true; removed: IotlbEntry[] } | IotlbRefusal;
export type IotlbTranslation = { ok: true; hva: bigint; entry: IotlbEntry } | { ok: false; reason: string };

export interface UpdateMsg {
  asid?: number;
  iova: bigint;
  /** LENGTH, as in the UPDATE message and the dma_map trace */
  size: bigint;
  uaddr: bigint;
  perm: Perm;
  line?: number;
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
const refuse = (errno: ErrnoName, reason: string, conflicts?: IotlbEntry[]): IotlbRefusal => {
  const r: IotlbRefusal = { ok: false, errno, code: -ERRNO[errno], writeErrno: 'EFAULT', reason };
  if (conflicts) r.conflicts = conflicts;
  return r;
};

function checkU64(what: string, v: bigint, line: number | undefined): void {
  if (typeof v !== 'bigint' || !isU64(v)) throw new IotlbInputError(`${what} ${String(v)}${at(line)} is not a u64`);
}

export class DeviceIotlb {
  readonly device: string;
  readonly iovaRange: { first: bigint; last: bigint };
  private features = 0n;
  private spaces = new Map<number, IotlbEntry[]>();
  private byUaddr = new Map<number, IntervalIndex<IotlbEntry>>();
  private pending: IotlbMiss[] = [];
  readonly accessFails: IotlbAccessFail[] = [];
  readonly batches: IotlbBatch[] = [];
  private openBatch: IotlbBatch | undefined;
  /** entries that were invalidated or lost at reset, oldest first */
  readonly removed: IotlbEntry[] = [];

  /** `device` labels messages ('BB:DD.F' or a vdpa name); iovaRange is VHOST_VDPA_GET_IOVA_RANGE. */
  constructor(opts: { device?: string; iovaRange?: { first: bigint; last: bigint }; backendFeatures?: bigint } = {}) {
    this.device = opts.device ?? '';
    this.iovaRange = opts.iovaRange ?? { first: 0n, last: U64_MAX };
    this.features = opts.backendFeatures ?? 0n;
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
    return [...this.spaces.keys()].sort((a, b) => a - b);
  }
  /** Live entries of one ASID in IOVA order. */
  entries(asid = 0): readonly IotlbEntry[] {
    return this.spaces.get(asid) ?? [];
  }
  pendingMisses(): readonly IotlbMiss[] {
    return this.pending;
  }

  private where(asid: number): string {
    return `ASID ${asid}${this.device ? ` of ${this.device}` : ''}`;
  }
  private space(asid: number): IotlbEntry[] {
    let s = this.spaces.get(asid);
    if (!s) this.spaces.set(asid, (s = []));
    return s;
  }
  private record(r: IotlbMessageRecord): void {
    this.openBatch?.messages.push(r);
  }

  update(m: UpdateMsg): UpdateResult {
    const asid = m.asid ?? 0;
    for (const [k, v] of [['iova', m.iova], ['size', m.size], ['uaddr', m.uaddr]] as const) checkU64(`UPDATE ${k}`, v, m.line);
    if (!isPerm(m.perm)) throw new IotlbInputError(`UPDATE perm ${String(m.perm)}${at(m.line)} is not a vhost access value (0..3)`);
    const msgRec: IotlbMessageRecord = { type: 2, asid, iova: m.iova, size: m.size, result: 'ok' };
    if (m.line !== undefined) msgRec.line = m.line;
    this.space(asid); // the kernel creates the address space before it checks the message
    const bad = this.updateRangeError(m);
    if (bad) {
      msgRec.result = 'EINVAL';
      this.record(msgRec);
      return refuse('EINVAL', `UPDATE iova ${hex(m.iova)} size ${hex(m.size)}${at(m.line)} rejected: ${bad}`);
    }
    const last = m.iova + m.size - 1n;
    const conflicts = this.overlapping(asid, m.iova, last);
    if (conflicts.length) {
      msgRec.result = 'EEXIST';
      this.record(msgRec);
      const c = conflicts.map((e) => `[${hex(e.iova)}, ${hex(e.last)}]${e.createdLine === undefined ? '' : ` from line ${e.createdLine}`}`).join(', ');
      return refuse('EEXIST', `UPDATE [${hex(m.iova)}, ${hex(last)}]${at(m.line)} overlaps ${c} in ${this.where(asid)}`, conflicts);
    }
    const entry: IotlbEntry = { asid, iova: m.iova, last, uaddr: m.uaddr, perm: m.perm, answered: [] };
    if (m.line !== undefined) entry.createdLine = m.line;
    const s = this.space(asid);
    s.splice(this.firstEndingAtOrAfter(s, m.iova), 0, entry);
    this.byUaddr.delete(asid);
    const answered = this.pending.filter((x) => x.asid === asid && x.iova >= entry.iova && x.iova <= last);
    for (const x of answered) {
      x.answeredBy = entry;
      x.permOk = (entry.perm & x.perm) === x.perm;
    }
    entry.answered = answered;
    this.pending = this.pending.filter((x) => !answered.includes(x));
    this.record(msgRec);
    return { ok: true, entry, answered };
  }

  /** The kernel's range checks for UPDATE, in its order; undefined when valid. */
  private updateRangeError(m: UpdateMsg): string | undefined {
    const { first, last } = this.iovaRange;
    if (m.iova < first) return `iova below the device range start ${hex(first)}`;
    if (m.size === 0n) return 'size 0';
    if (m.iova > U64_MAX - m.size + 1n) return 'range wraps past 2^64';
    if (m.iova + m.size - 1n > last) return `range ends past the device range end ${hex(last)}`;
    return undefined;
  }

  /**
   * Drop every entry overlapping [iova, iova + size - 1] whole. The end is computed in u64 like
   * the kernel does, so iova 2^63 size 2^63 means [2^63, 2^64 - 1] (the second half of QEMU's
   * full-space unmap), and a size 0 at iova 0 wraps to the whole space.
   */
  invalidate(m: InvalidateMsg): InvalidateResult {
    const asid = m.asid ?? 0;
    checkU64('INVALIDATE iova', m.iova, m.line);
    checkU64('INVALIDATE size', m.size, m.line);
    const msgRec: IotlbMessageRecord = { type: 3, asid, iova: m.iova, size: m.size, result: 'ok' };
    if (m.line !== undefined) msgRec.line = m.line;
    const s = this.spaces.get(asid);
    if (!s) {
      msgRec.result = 'EINVAL';
      this.record(msgRec);
      return refuse('EINVAL', `INVALIDATE iova ${hex(m.iova)}${at(m.line)}: ${this.where(asid)} was never created`);
    }
    const last = sub64(add64(m.iova, m.size), 1n);
    const removed = this.overlapping(asid, m.iova, last);
    if (removed.length) {
      // overlapping entries are contiguous in IOVA order except for a wrapped request
      if (last >= m.iova) s.splice(this.firstEndingAtOrAfter(s, m.iova), removed.length);
      else this.spaces.set(asid, s.filter((e) => !removed.includes(e)));
      this.byUaddr.delete(asid);
      for (const e of removed) {
        if (m.line !== undefined) e.removedLine = m.line;
        e.removedBy = 'invalidate';
      }
      this.removed.push(...removed);
    }
    this.record(msgRec);
    return { ok: true, removed };
  }

  /** Entries satisfying the kernel's overlap test (start <= last && first <= end), IOVA order. */
  overlapping(asid: number, first: bigint, last: bigint): IotlbEntry[] {
    const s = this.spaces.get(asid) ?? [];
    if (last < first) return s.filter((e) => e.iova <= last && first <= e.last); // wrapped request
    const out: IotlbEntry[] = [];
    for (let i = this.firstEndingAtOrAfter(s, first); i < s.length && s[i]!.iova <= last; i++) out.push(s[i]!);
    return out;
  }

  /** Entries are disjoint and sorted, so their ends are sorted too. */
  private firstEndingAtOrAfter(s: IotlbEntry[], x: bigint): number {
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]!.last < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  translate(asid: number, iova: bigint): IotlbTranslation {
    const s = this.spaces.get(asid) ?? [];
    const e = s[this.firstEndingAtOrAfter(s, iova)];
    if (!e || e.iova > iova) return { ok: false, reason: `IOVA ${hex(iova)} not mapped in ${this.where(asid)}` };
    return { ok: true, hva: add64(e.uaddr, iova - e.iova), entry: e };
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
      .sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
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
    this.space(m.asid ?? 0);
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
   * Device reset (SET_STATUS 0). Without IOTLB_PERSIST acked every ASID loses every mapping
   * (returned, so a diagnostic can point at what a later DMA would miss); with it nothing moves.
   */
  reset(m: { line?: number } = {}): { persisted: boolean; lost: IotlbEntry[] } {
    if (this.iotlbPersist) return { persisted: true, lost: [] };
    const lost: IotlbEntry[] = [];
    for (const [asid, s] of this.spaces) {
      for (const e of s) {
        if (m.line !== undefined) e.removedLine = m.line;
        e.removedBy = 'reset';
        lost.push(e);
      }
      this.spaces.set(asid, []);
    }
    this.byUaddr.clear();
    this.removed.push(...lost);
    return { persisted: false, lost };
  }
}
