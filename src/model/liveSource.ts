// A live snapshot as a source of the one resolver: QEMU's memory map (GPA ⇄ HVA, aliases give
// several GPAs for one HVA) and the vIOMMU's answers for the guest IOVAs walked ahead of the
// question (the walk reads guest memory over the gdbstub, so it is async; resolve is not).
import type { Perm } from './access.js';
import type { GuestMemoryMap } from './memory/guestMemoryMap.js';
import type { ResolveSource } from './resolve.js';
import type { ResolveHop } from './resolution.js';
import { add64, hex } from './u64.js';
import { PASS_THROUGH_PERM, translatedPage } from './viommu/vtdRules.js';

/** The vIOMMU's answer for one guest IOVA of one device. */
export type GiovaAnswer = { ok: true; gpa: bigint; perm?: Perm; owner?: string } | { ok: false; reason: string };

export interface GiovaTranslator {
  translate(device: string, giova: bigint): GiovaAnswer;
}

/** The answers walked ahead: one guest IOVA of one device, or none. */
export function walkedGiova(device: string, giova: bigint, answer: GiovaAnswer): GiovaTranslator {
  return { translate: (d, a) => (d === device && a === giova ? answer : { ok: false, reason: `guest IOVA ${hex(a)} of ${d} was not walked` }) };
}

/** What a live VT-d walk found for one guest IOVA: the leaf (level 0: pass-through) and its page. */
export interface VtdLeaf {
  domainId: number;
  level: number;
  perm: Perm;
  /** length - 1 of the page the leaf maps */
  addrMask: bigint;
  gpa: bigint;
}

/**
 * A live walk as the vIOMMU's answer, by the rules the trace replay applies to QEMU's own
 * translations: the page the leaf covers (translatedPage) and the GPA at the same offset in it.
 */
export function vtdLeafAnswer(device: string, giova: bigint, leaf: VtdLeaf): GiovaAnswer {
  const page = translatedPage(giova, leaf.addrMask, leaf.gpa);
  const how = leaf.level === 0 ? 'pass-through' : `level ${leaf.level} leaf`;
  return { ok: true, gpa: add64(page.gpa, giova - page.start), perm: leaf.perm, owner: `VT-d ${device} domain ${leaf.domainId} ${how} [${hex(page.start)}, ${hex(page.last)}] → GPA ${hex(page.gpa)}` };
}

/** DMA that QEMU does not translate for this device (no DMAR root, translation off): GIOVA = GPA. */
export const untranslatedAnswer = (giova: bigint, why: string): GiovaAnswer => ({ ok: true, gpa: giova, perm: PASS_THROUGH_PERM, owner: `${why}: GIOVA = GPA` });

export const LIVE_IOVA_REFUSAL = 'device IOVAs (the vhost/vDPA IOTLB) are not read from a live VM: only a trace attached to the session shows them';

export function liveSource(memory: GuestMemoryMap, viommu?: GiovaTranslator): ResolveSource {
  // a GPA hop: the region that holds it, and the alias windows it is reached through
  const regionOf = (gpa: bigint): { owner?: string; note?: string } => {
    const r = memory.findRange(gpa);
    const aliases = memory.aliasesAt(gpa);
    return { ...(r ? { owner: r.name } : {}), ...(aliases.length ? { note: aliases.map((a) => `via alias '${a.name}' @${a.target} ${hex(a.targetOffset)}`).join('; ') } : {}) };
  };
  const giova = (hop: ResolveHop): GiovaAnswer => {
    if (hop.device === undefined) return { ok: false, reason: `guest IOVA ${hex(hop.addr)}: name the device (BB:DD.F); guest IOVAs are per device` };
    if (!viommu) return { ok: false, reason: `guest IOVA ${hex(hop.addr)} of ${hop.device}: no vIOMMU translation was read` };
    return viommu.translate(hop.device, hop.addr);
  };
  return {
    describe(hop, q) {
      if (hop.space === 'gpa') return { ...hop, ...regionOf(hop.addr) };
      if (hop.space !== 'giova') return hop;
      const at: ResolveHop = q.device === undefined ? hop : { ...hop, device: q.device };
      const t = giova(at);
      return t.ok ? { ...at, ...(t.owner !== undefined ? { owner: t.owner } : {}), ...(t.perm !== undefined ? { perm: t.perm } : {}) } : at;
    },
    next(chain) {
      const here = chain[chain.length - 1]!;
      switch (here.space) {
        case 'giova': {
          const t = giova(here);
          return t.ok ? [{ space: 'gpa', addr: t.gpa, ...regionOf(t.gpa) }] : [];
        }
        case 'gpa': {
          const r = memory.gpaToHva(here.addr);
          if (!r.ok) return [];
          const block = r.ramBlock ? { owner: `RAMBlock '${r.ramBlock.name}' +${hex(r.offsetInRegion)}` } : {};
          const elsewhere = memory.hvaToGpas(r.hva).filter((v) => v.gpa !== here.addr);
          const also = elsewhere.length ? { note: `also visible at GPA ${elsewhere.map((v) => hex(v.gpa)).join(', ')}` } : {};
          return [{ space: 'hva', addr: r.hva, ...block, ...also }];
        }
        case 'hva':
          return memory.hvaToGpas(here.addr).map((v) => ({ space: 'gpa', addr: v.gpa, ...regionOf(v.gpa) }));
        case 'iova':
          return [];
      }
    },
    nowhere(hop) {
      switch (hop.space) {
        case 'giova': {
          const t = giova(hop);
          return t.ok ? `guest IOVA ${hex(hop.addr)} translates to GPA ${hex(t.gpa)}` : t.reason;
        }
        case 'gpa': {
          const r = memory.gpaToHva(hop.addr);
          return r.ok ? `GPA ${hex(hop.addr)} has HVA ${hex(r.hva)}` : r.reason;
        }
        case 'hva':
          return `HVA ${hex(hop.addr)} is in no RAM block mapped into guest-physical memory`;
        case 'iova':
          return LIVE_IOVA_REFUSAL;
      }
    },
    note(a) {
      // a chain that reached a GPA the memory map cannot take on to an HVA (MMIO, a hole)
      const last = a.hops[a.hops.length - 1];
      if (a.error !== undefined || a.hops.length < 2 || last?.space !== 'gpa' || a.hops.some((h) => h.space === 'hva')) return undefined;
      const r = memory.gpaToHva(last.addr);
      return r.ok ? undefined : r.reason;
    },
  };
}
