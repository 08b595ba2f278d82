// What QEMU is about to do, said before it happens: stopped at vhost_vdpa_listener_region_del or
// in vhost_iova_tree_find_iova, the model runs QEMU's own lookup (the listener's rules in
// vdpaListener.ts, the tree's in iovaTree.ts) on the IOVA tree read from the live process. On a
// legacy (7.x–9.x) tree keyed by HVA, aliased guest memory has several maps for one HVA and the
// lookup takes the first in IOVA order: the unmap of one alias removes another's map (the seed
// bug, seen before it happens).
import type { DMAMap } from './dmaMap.js';
import type { InternalIovaTree } from './qemuInternals.js';
import { hex, U64_MAX } from './u64.js';
import { regionDel, type ListenerSection } from './vdpaListener.js';
import { VhostIovaTree } from './vhostIovaTree.js';

const node = (m: { iova: bigint; last: bigint; taddr: bigint; perm: number }): DMAMap => ({ iova: m.iova, translatedAddr: m.taddr, size: m.last - m.iova, perm: (m.perm & 3) as DMAMap['perm'] });
const span = (m: DMAMap): string => `IOVA [${hex(m.iova)}, ${hex(m.iova + m.size)}]`;

/** The live tree as the model's VhostIovaTree (HVA maps in the IOVA tree, GPA maps in the GPA tree). */
export function liveVhostTree(t: InternalIovaTree): VhostIovaTree {
  return VhostIovaTree.fromNodes(t.layout, { taddr: t.maps.filter((m) => m.gpa === undefined).map(node), ...(t.layout === 'current' ? { gpa: t.maps.filter((m) => m.gpa !== undefined).map(node) } : {}) });
}

/** The maps whose HVA range overlaps [hva, hva + size] (inclusive size, as the needle's). */
const holdingHva = (t: InternalIovaTree, hva: bigint, size: bigint): number => t.maps.filter((m) => m.gpa === undefined && m.taddr <= hva + size && hva <= m.taddr + (m.last - m.iova)).length;

/** vhost_vdpa_listener_region_del(section) on the live tree: what its lookup returns and what it unmaps. */
export function regionDelAhead(t: InternalIovaTree, s: ListenerSection): string {
  const out = regionDel(s, { iovaFirst: 0n, iovaLast: U64_MAX, pageSize: 0x1000n, svqTree: liveVhostTree(t) });
  const by = t.layout === 'legacy' ? 'vhost_iova_tree_find_iova, by HVA' : 'vhost_iova_tree_find_gpa, by GPA';
  switch (out.action) {
    case 'skip':
      return `region_del skips this section: ${out.reason}`;
    case 'unaligned':
      return 'region_del skips this section: its GPA and region offset are not aligned alike (QEMU reports it)';
    case 'empty':
      return 'region_del does nothing: the section holds no whole page';
    case 'iommu':
    case 'alloc-failed':
    case 'map':
      return `region_del: ${out.action}`;
    case 'not-found':
      return `QEMU's lookup (${by}) finds no map for this section in the live tree: region_del returns without unmapping`;
    case 'unmap': {
      const found = out.treeNode!;
      const lines = [
        `QEMU's lookup (${by}) returns the map ${span(found)} → ${t.layout === 'legacy' ? 'HVA' : 'GPA'} ${hex(found.translatedAddr)}: region_del removes that map and unmaps ${out.ops.map((o) => `IOVA ${hex(o.iova)} +${hex(o.size)}`).join(', ')}`,
      ];
      const needleHva = (s.ramPtr ?? 0n) + s.offsetInRegion + (out.trace.iova - s.gpa);
      const aliases = t.layout === 'legacy' ? holdingHva(t, needleHva, out.ops.reduce((a, o) => a + o.size, 0n) - 1n) : 0;
      if (aliases > 1)
        lines.push(`${aliases} maps hold this section's HVA (aliased guest memory): QEMU takes the first in IOVA order, which may be another alias's map, not this section's own (the aliased-unmap bug of the legacy tree, fixed by 10.0's GPA tree)`);
      return lines.join('\n');
    }
  }
}

/** vhost_iova_tree_find_iova(tree, needle) on the live tree: the node QEMU's lookup is about to return. */
export function findIovaAhead(t: InternalIovaTree, needle: { translatedAddr: bigint; size: bigint }): string {
  const found = liveVhostTree(t).findIova(needle);
  const what = `vhost_iova_tree_find_iova(HVA ${hex(needle.translatedAddr)} +${hex(needle.size)})`;
  if (!found) return `${what} will return NULL: no map of the live tree holds that HVA range`;
  const n = holdingHva(t, needle.translatedAddr, needle.size);
  return `${what} will return the map ${span(found)} → HVA ${hex(found.translatedAddr)}${n > 1 ? ` (first in IOVA order of ${n} maps holding that HVA: aliased guest memory)` : ''}`;
}
