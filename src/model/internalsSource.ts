// QEMU's own state (read from its process) as a source of the one resolver, in every space it
// holds: GPA ⇄ HVA from the "memory" FlatView and the RAM blocks, guest IOVAs from intel-iommu's
// IOTLB, and device IOVAs from the vhost-vdpa IOVA trees (the shadow-virtqueue maps: IOVA → HVA
// in the legacy tree and the current HVA tree, IOVA → GPA in the current GPA tree).
import type { Perm } from './access.js';
import { liveSource } from './liveSource.js';
import { sidToBdf } from './pciAddress.js';
import { internalsMemoryMap, iotlbTranslator, type InternalIovaMap, type QemuInternals } from './qemuInternals.js';
import { resolve, type ResolveSource } from './resolve.js';
import type { ResolveAnswer, ResolveHop } from './resolution.js';
import { hex } from './u64.js';

interface TreeMap extends InternalIovaMap {
  /** which vhost device's tree holds it (its index in QemuInternals.vhost) */
  device: number;
}

const permOf = (p: number): Perm => (p & 3) as Perm;
const span = (m: { iova: bigint; last: bigint }): string => `[${hex(m.iova)}, ${hex(m.last)}]`;

/** Every map of every vhost-vdpa IOVA tree; a tree shared by several vhost_devs (9.0+) once. */
function treeMaps(s: QemuInternals): TreeMap[] {
  const seen = new Set<string>();
  const out: TreeMap[] = [];
  s.vhost.forEach((v, device) => {
    for (const m of v.iovaTree?.maps ?? []) {
      const key = `${m.iova}:${m.last}:${m.taddr}:${m.gpa ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ ...m, device });
    }
  });
  return out;
}

const mapOwner = (m: TreeMap): string => `vhost-vdpa IOVA tree (vhost device ${m.device}) map IOVA ${span(m)} → ${m.gpa !== undefined ? 'GPA' : 'HVA'} ${hex(m.gpa ?? m.taddr)}`;

export function internalsSource(s: QemuInternals): ResolveSource {
  const base = liveSource(internalsMemoryMap(s), s.vtd ? iotlbTranslator(s.vtd.iotlb) : undefined);
  const maps = treeMaps(s);
  const holding = (iova: bigint): TreeMap | undefined => maps.find((m) => iova >= m.iova && iova <= m.last);
  // the maps whose target range covers `addr`: HVA-keyed maps for an HVA, GPA-tree maps for a GPA
  const reaching = (addr: bigint, gpa: boolean): ResolveHop[] =>
    maps
      .filter((m) => (gpa ? m.gpa !== undefined : m.gpa === undefined))
      .filter((m) => addr >= m.taddr && addr - m.taddr <= m.last - m.iova)
      .map((m) => ({ space: 'iova', addr: m.iova + (addr - m.taddr), owner: mapOwner(m), perm: permOf(m.perm) }));
  return {
    describe(hop, q) {
      if (hop.space !== 'iova') return base.describe ? base.describe(hop, q) : hop;
      const m = holding(hop.addr);
      return m ? { ...hop, owner: mapOwner(m), perm: permOf(m.perm) } : hop;
    },
    next(chain, q) {
      const here = chain[chain.length - 1]!;
      if (here.space === 'iova') {
        const m = holding(here.addr);
        if (!m) return [];
        const to = m.taddr + (here.addr - m.iova);
        return [{ space: m.gpa !== undefined ? 'gpa' : 'hva', addr: to, owner: mapOwner(m), perm: permOf(m.perm) }];
      }
      const more = here.space === 'hva' ? reaching(here.addr, false) : here.space === 'gpa' ? reaching(here.addr, true) : [];
      return [...base.next(chain, q), ...more];
    },
    nowhere(hop, q) {
      if (hop.space !== 'iova') return base.nowhere(hop, q);
      const trees = s.vhost.filter((v) => v.iovaTree !== null).length;
      if (trees === 0) return `IOVA ${hex(hop.addr)}: QEMU holds no vhost-vdpa IOVA tree (${s.vhost.length ? 'no vhost-vdpa device uses shadow virtqueues: the device maps GPAs itself' : 'no vhost devices'})`;
      return `IOVA ${hex(hop.addr)} is in no map of QEMU's vhost-vdpa IOVA tree${trees > 1 ? 's' : ''} (${maps.length} maps)`;
    },
    note: (a, q) => base.note?.(a, q),
  };
}

const goes = (a: ResolveAnswer): boolean => a.error === undefined && a.hops.length > 1;

/**
 * One number in every space QEMU's state gives it a meaning in: a GPA inside a FlatView range,
 * an HVA of guest RAM, a device IOVA of a vhost-vdpa IOVA tree, and a guest IOVA of each device
 * whose IOTLB entry covers it. When it is none of them, one answer whose error says so.
 */
export function resolveInternalsEverywhere(s: QemuInternals, addr: bigint): ResolveAnswer[] {
  const live = { live: internalsSource(s) };
  const out: ResolveAnswer[] = [];
  const asGpa = resolve('gpa', addr, live);
  if (asGpa.hops[0]!.owner !== undefined) out.push(asGpa);
  const asHva = resolve('hva', addr, live);
  if (goes(asHva)) out.push(asHva);
  const asIova = resolve('iova', addr, live);
  if (goes(asIova)) out.push(asIova);
  const sids = new Set((s.vtd?.iotlb ?? []).filter((e) => e.sid !== null && (addr & e.mask) === e.iova).map((e) => e.sid!));
  for (const sid of [...sids].sort((a, b) => a - b)) {
    const g = resolve('giova', addr, live, { device: sidToBdf(sid) });
    if (goes(g)) out.push(g);
  }
  if (out.length) return out;
  const iotlb = s.vtd ? `in no VT-d IOTLB entry (${s.vtd.iotlb.length} cached)` : 'no guest IOVA (no intel-iommu)';
  return [{ ...asGpa, error: `${hex(addr)} is no GPA in a FlatView range, no HVA of guest RAM, ${asIova.error ?? 'no device IOVA'}, and ${iotlb}` }];
}
