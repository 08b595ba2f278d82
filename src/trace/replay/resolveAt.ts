// "Where does this address go, as of line N": the trace's tables (vIOMMU translations, listener
// sections / memory tables, vDPA IOTLBs per ASID) as a source of the model's one resolver.
import { hex } from '../../model/u64.js';
import { resolve, type ResolveSource } from '../../model/resolve.js';
import type { ResolveAnswer, ResolveHop, ResolveQuery } from '../../model/resolution.js';
import type { Timeline, MapRecord, TableInfo } from './timeline.js';
import { type Space, spaceTitle } from './spaces.js';

export type ResolveOptions = ResolveQuery;

export type { ResolveHop } from '../../model/resolution.js';

/** A trace answer: the model's ResolveAnswer, always as of a line. */
export type ResolveResult = ResolveAnswer & { line: number };

const contains = (r: MapRecord, a: bigint) => r.start <= a && a <= r.last;
const reverseContains = (r: MapRecord, a: bigint) => r.target <= a && a <= r.target + (r.last - r.start);

/**
 * A device in VA mode (VDUSE) is handed a map only when the memory behind it is shared: QEMU's
 * ioctl succeeds for private memory too, but the device never sees that map. Host-only buffers are
 * where this bites (QEMU 7.2 allocates its SVQ vrings privately; QEMU 10.0 shares them).
 */
export const HOST_ONLY_VA_NOTE =
  'host-only memory: a parent in VA mode (e.g. VDUSE) receives a map only of shared memory, so if QEMU allocated this buffer privately ' +
  '(QEMU 7.2 does for its SVQ vrings) the device never gets this map although the ioctl succeeded; a PA-mode parent does get it';

function hostOnlyNote(hops: readonly ResolveHop[]): string | undefined {
  return hops.some((h) => h.space === 'hva' && h.owner?.startsWith('host-only memory')) ? HOST_ONLY_VA_NOTE : undefined;
}

export class TraceResolver {
  constructor(private readonly tl: Timeline) {}

  resolve(space: Space, addr: bigint, line: number, opts: ResolveOptions = {}): ResolveResult {
    return { ...resolve(space, addr, { timeline: this.at(line) }, opts), line };
  }

  /** The timeline as it stood after line `line`, as a source of the model's resolver. */
  at(line: number): ResolveSource & { line: number } {
    return {
      line,
      next: (chain, q) => this.step(chain[chain.length - 1]!, chain, line, q),
      nowhere: (hop, q) => `${hex(hop.addr)} is not mapped in ${this.where(hop.space, q)} at line ${line}`,
      note: (a, q) => this.note(a, line, q),
    };
  }

  private note(a: ResolveAnswer, line: number, opts: ResolveOptions): string | undefined {
    const first = a.hops[0];
    if (a.error !== undefined) return first?.space === 'iova' ? this.orphanAt(first.addr, line, opts) : undefined;
    return this.whyNoIova(a.hops, line, opts) ?? hostOnlyNote(a.hops);
  }

  /** An unmapped IOVA inside the orphaned rest of a cut map: the kernel may still translate it. */
  private orphanAt(iova: bigint, line: number, opts: ResolveOptions): string | undefined {
    for (const t of this.tables(['iotlb-orphan'], opts, true)) {
      const r = this.tl.overlappingAt(t.id, line, iova, iova)[0];
      if (r) return `IOVA ${hex(iova)} lies in the ${r.owner ?? `orphaned rest [${hex(r.start)}, ${hex(r.last)}]`} (QEMU no longer maps it; if the kernel does, to HVA ${hex(r.target + (iova - r.start))})`;
    }
    return undefined;
  }

  /** A GPA/HVA chain that ends before any device IOVA: say so, and what last mapped it. */
  private whyNoIova(hops: readonly ResolveHop[], line: number, opts: ResolveOptions): string | undefined {
    const lastHop = hops[hops.length - 1];
    if (lastHop.space !== 'hva' || hops.some((h) => h.space === 'iova')) return undefined;
    const tables = this.tables(['iotlb'], opts, true);
    if (tables.length === 0) return undefined;
    const gpa = hops.find((h) => h.space === 'gpa')?.addr;
    let latest: MapRecord | undefined;
    for (const t of tables)
      for (const r of this.tl.records)
        if (r.table === t.id && r.createdLine <= line && (reverseContains(r, lastHop.addr) || (gpa !== undefined && r.source !== undefined && this.sectionHas(r.source, gpa))))
          if (!latest || r.createdLine > latest.createdLine) latest = r;
    const base = `not mapped in any device IOVA space${opts.asid !== undefined ? ` (ASID ${opts.asid})` : ''} at line ${line}`;
    if (!latest || latest.removedLine === undefined || latest.removedLine > line) return base;
    return `${base}: the map IOVA [${hex(latest.start)}, ${hex(latest.last)}] (line ${latest.createdLine}) was removed by ${latest.removedBy ?? 'an unmap'} at line ${latest.removedLine}`;
  }

  private tables(kinds: TableInfo['kind'][], opts: ResolveOptions, filterAsid: boolean): TableInfo[] {
    return this.tl.tables.filter(
      (t) =>
        kinds.includes(t.kind) &&
        (!opts.device || t.kind === 'section' || t.kind === 'mem-table' || t.owner === opts.device || t.device === opts.device) &&
        (!filterAsid || opts.asid === undefined || t.asid === opts.asid),
    );
  }

  private where(space: Space, opts: ResolveOptions): string {
    const parts = [spaceTitle[space]];
    if (space === 'iova') parts.push(opts.asid !== undefined ? `ASID ${opts.asid}` : 'any ASID');
    if ((space === 'giova' || space === 'iova') && opts.device) parts.push(`of ${opts.device}`);
    return parts.join(' ');
  }

  private step(h: ResolveHop, chain: readonly ResolveHop[], line: number, opts: ResolveOptions): ResolveHop[] {
    const seen = (s: Space) => chain.some((x) => x.space === s);
    const out: ResolveHop[] = [];
    const push = (x: ResolveHop) => {
      if (!out.some((o) => o.space === x.space && o.addr === x.addr)) out.push(x);
    };
    const at = (t: TableInfo, a: bigint) => this.tl.overlappingAt(t.id, line, a, a);
    switch (h.space) {
      case 'giova':
        for (const t of this.tables(['viommu', 'virtio-iommu'], opts, false))
          for (const r of at(t, h.addr)) push({ space: 'gpa', addr: r.target + (h.addr - r.start), owner: r.owner ?? `${t.label} page [${hex(r.start)}, ${hex(r.last)}]`, createdLine: r.createdLine, perm: r.perm, device: t.device });
        // a vhost backend's device IOTLB answers a guest IOVA with QEMU's HVA directly
        if (!seen('hva'))
          for (const t of this.tables(['device-iotlb'], { ...opts, device: undefined }, false))
            for (const r of at(t, h.addr)) push({ space: 'hva', addr: r.target + (h.addr - r.start), owner: r.owner, createdLine: r.createdLine, perm: r.perm, device: t.owner });
        break;
      case 'gpa':
        if (!seen('hva'))
          for (const t of this.tables(['section', 'mem-table'], opts, false))
            for (const r of at(t, h.addr)) push({ space: 'hva', addr: r.target + (h.addr - r.start), owner: r.owner, createdLine: r.createdLine, perm: r.perm });
        break;
      case 'hva': {
        if (!seen('iova')) {
          // the map created for the section this GPA came from is exact; HVA matches may be aliases
          const gpaHop = [...chain].reverse().find((x) => x.space === 'gpa');
          for (const t of this.tables(['iotlb'], opts, true)) {
            const live = this.tl.liveAt(t.id, line);
            const bySection = gpaHop ? live.filter((r) => r.source !== undefined && this.sectionHas(r.source, gpaHop.addr)) : [];
            const hits = bySection.length ? bySection : live.filter((r) => reverseContains(r, h.addr));
            for (const r of hits) {
              const iova = bySection.length && gpaHop ? r.start + (gpaHop.addr - this.tl.records[r.source!].start) : r.start + (h.addr - r.target);
              push({ space: 'iova', addr: iova, owner: r.owner, createdLine: r.createdLine, perm: r.perm, asid: t.asid, device: t.owner });
            }
          }
        }
        if (!seen('gpa'))
          for (const t of this.tables(['section', 'mem-table'], opts, false))
            for (const r of this.tl.liveAt(t.id, line).filter((x) => reverseContains(x, h.addr)))
              push({ space: 'gpa', addr: r.start + (h.addr - r.target), owner: r.owner, createdLine: r.createdLine, perm: r.perm });
        break;
      }
      case 'iova':
        if (!seen('hva'))
          for (const t of this.tables(['iotlb'], opts, true))
            for (const r of at(t, h.addr).filter((x) => contains(x, h.addr))) push({ space: 'hva', addr: r.target + (h.addr - r.start), owner: r.owner, createdLine: r.createdLine, perm: r.perm, asid: t.asid, device: t.owner });
        break;
    }
    return out;
  }

  private sectionHas(id: number, gpa: bigint): boolean {
    const s = this.tl.records[id];
    return s !== undefined && contains(s, gpa);
  }
}
