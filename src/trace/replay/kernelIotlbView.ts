// The model's kernel vhost-vdpa IOTLB as it stood after a line: per device and ASID, every entry
// (IOVA range → HVA/uaddr, perm) live (QEMU mapped it and the kernel holds it) or orphaned (the
// rest of a map an unmap cut: possibly still mapped, QEMU no longer knows it). Stable API for
// comparisons with a device's own view (the vDPA lab's VDUSE device.log) and for the surfaces.
import type { Perm } from '../../model/access.js';
import type { Timeline } from './timeline.js';

export interface KernelIotlbEntryView {
  iova: bigint;
  /** inclusive */
  last: bigint;
  /** HVA of `iova` (struct vhost_iotlb_msg uaddr) */
  uaddr: bigint;
  perm: Perm;
  state: 'live' | 'orphaned';
  /** the dma_map line that created the map (for an orphan: the map it is the rest of) */
  createdLine: number;
  /** orphans: the line that made this piece (the cutting unmap, or a later map that trimmed it) */
  sinceLine?: number;
  owner?: string;
}

export interface KernelIotlbAsidView {
  /** the vDPA device key (the shared / vhost_vdpa pointer its traces print) */
  device: string;
  asid: number;
  /** live and orphaned entries in IOVA order */
  entries: KernelIotlbEntryView[];
}

export function kernelIotlbAt(tl: Timeline, line: number): KernelIotlbAsidView[] {
  const out = new Map<string, KernelIotlbAsidView>();
  for (const t of tl.tables) {
    if (t.kind !== 'iotlb' && t.kind !== 'iotlb-orphan') continue;
    const asid = t.asid ?? 0;
    const key = `${t.owner} ${asid}`;
    let v = out.get(key);
    if (!v) out.set(key, (v = { device: t.owner, asid, entries: [] }));
    for (const r of tl.liveAt(t.id, line)) {
      const orphan = t.kind === 'iotlb-orphan';
      const origin = orphan && r.source !== undefined ? tl.records[r.source] : undefined;
      const e: KernelIotlbEntryView = { iova: r.start, last: r.last, uaddr: r.target, perm: r.perm, state: orphan ? 'orphaned' : 'live', createdLine: origin?.createdLine ?? r.createdLine };
      if (orphan) e.sinceLine = r.createdLine;
      const owner = r.owner;
      if (owner !== undefined) e.owner = owner;
      v.entries.push(e);
    }
  }
  const views = [...out.values()].sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.asid - b.asid));
  for (const v of views) v.entries.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
  return views;
}
