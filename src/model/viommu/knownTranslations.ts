// Translations QEMU reported using (vtd_dmar_translate in a trace), kept with the lines that
// created and ended them. With no guest memory this is all we know about a device's mappings,
// and it is exactly what QEMU used, including translations the guest has since changed.
import type { Perm } from '../access.js';
import { hex } from '../u64.js';

export interface KnownTranslation {
  /** 'BB:DD.F' */
  device: string;
  /** first IOVA of the vIOMMU page */
  iova: bigint;
  /** length - 1 of the page (0xfff, 0x1fffff, 0x3fffffff) */
  addrMask: bigint;
  /** GPA of the page start */
  gpa: bigint;
  /** undefined when the trace never showed the leaf entry */
  perm?: Perm;
  domainId?: number;
  createdLine?: number;
  /** last line that (re)confirmed it */
  lastSeenLine?: number;
  removedLine?: number;
  /** what ended it, e.g. "PSI domain 0x4 0xffffb000..0xffffbfff" */
  removedBy?: string;
}

const last = (t: KnownTranslation): bigint => t.iova + t.addrMask;

export class KnownTranslations {
  private readonly active = new Map<string, KnownTranslation[]>();
  private readonly ended: KnownTranslation[] = [];

  /**
   * A translation was used. The same translation again only refreshes `lastSeenLine`; a
   * different GPA or page size for an overlapping page ends the old one first.
   */
  record(t: KnownTranslation): KnownTranslation {
    const list = this.active.get(t.device) ?? [];
    const same = list.find((x) => x.iova === t.iova && x.addrMask === t.addrMask && x.gpa === t.gpa);
    if (same) {
      if (t.createdLine !== undefined) same.lastSeenLine = t.createdLine;
      if (t.perm !== undefined) same.perm = t.perm;
      if (t.domainId !== undefined) same.domainId = t.domainId;
      return same;
    }
    const kept: KnownTranslation[] = [];
    for (const x of list) {
      if (x.iova <= last(t) && t.iova <= last(x)) this.end(x, t.createdLine, `replaced by ${hex(t.iova)} -> ${hex(t.gpa)}`);
      else kept.push(x);
    }
    const added = { ...t };
    if (t.createdLine !== undefined) added.lastSeenLine = t.createdLine;
    kept.push(added);
    this.active.set(t.device, kept);
    return added;
  }

  /** The active translation covering `giova` for `device`. */
  lookup(device: string, giova: bigint): KnownTranslation | undefined {
    return this.active.get(device)?.find((x) => giova >= x.iova && giova <= last(x));
  }

  /** The most recently ended translation covering `giova` (to explain a miss). */
  lastEnded(device: string, giova: bigint): KnownTranslation | undefined {
    for (let i = this.ended.length - 1; i >= 0; i--) {
      const x = this.ended[i]!;
      if (x.device === device && giova >= x.iova && giova <= last(x)) return x;
    }
    return undefined;
  }

  /**
   * End active translations matching `pred` (an invalidation). Translations whose domain was
   * never seen are ended too: keeping a possibly stale answer is worse than saying "unknown".
   */
  invalidate(pred: (t: KnownTranslation) => boolean, line: number | undefined, by: string): KnownTranslation[] {
    const gone: KnownTranslation[] = [];
    for (const [device, list] of this.active) {
      const kept = list.filter((x) => {
        if (!pred(x)) return true;
        this.end(x, line, by);
        gone.push(x);
        return false;
      });
      this.active.set(device, kept);
    }
    return gone;
  }

  /** Every translation seen (active and ended), oldest first by creation line. */
  history(device?: string): KnownTranslation[] {
    const all = [...this.ended, ...[...this.active.values()].flat()];
    return all.filter((x) => device === undefined || x.device === device).sort((a, b) => (a.createdLine ?? 0) - (b.createdLine ?? 0));
  }

  activeFor(device: string): KnownTranslation[] {
    return [...(this.active.get(device) ?? [])];
  }

  private end(x: KnownTranslation, line: number | undefined, by: string): void {
    if (line !== undefined) x.removedLine = line;
    x.removedBy = by;
    this.ended.push(x);
  }
}

/** Does [iova, iova + addrMask] of `t` overlap [start, last]? */
export const knownOverlaps = (t: KnownTranslation, start: bigint, lastAddr: bigint): boolean => t.iova <= lastAddr && start <= last(t);
