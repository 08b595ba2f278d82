// intel-iommu's IOTLB: IntelIOMMUState.iotlb, a GHashTable from struct vtd_iotlb_key * to
// VTDIOTLBEntry *. The entry's page-table entry field is `slpte` up to 9.x and `pte` from 10.0;
// which one exists is asked of the debug information. GPA = pte & page mask & the address width
// (QEMU's vtd_get_slpte_addr); IOVA = gfn << 12 (gfn is already aligned to the entry's level).
import type { InternalIotlbEntry } from '../../../model/qemuInternals.js';
import { readGHashTable } from '../glib/ghashTable.js';
import { hasField, layoutOf } from '../layout.js';
import { Bytes, readCString, type QemuMemory } from '../qemuMemory.js';
import { QemuExitedError } from '../errors.js';

/**
 * The machine's intel-iommu, or null when it has none. Identified by its register window, the
 * MemoryRegion "intel_iommu" (IntelIOMMUState.csrmem), not through QOM: asking the debug
 * information for ObjectClass expands most of QEMU's compile units (seconds under load).
 */
export async function findIntelIommu(mem: QemuMemory): Promise<bigint | null> {
  const machine = await mem.evaluate('current_machine');
  if (machine === 0n) return null;
  const [iommuOff, csrOff, nameOff] = await Promise.all([mem.offsetOf('PCMachineState', 'iommu'), mem.offsetOf('IntelIOMMUState', 'csrmem'), mem.offsetOf('MemoryRegion', 'name')]);
  try {
    const iommu = new Bytes(await mem.read(machine + iommuOff, 8), 'PCMachineState.iommu').u64(0n);
    if (iommu === 0n) return null;
    const name = new Bytes(await mem.read(iommu + csrOff + nameOff, 8), 'IntelIOMMUState.csrmem.name').u64(0n);
    return (await readCString(mem, name, 32)) === 'intel_iommu' ? iommu : null;
  } catch (e) {
    // not a PC machine, or another IOMMU: the bytes at those offsets are something else
    if (e instanceof QemuExitedError) throw e;
    return null;
  }
}

export async function readVtdIotlb(mem: QemuMemory, iommu: bigint): Promise<InternalIotlbEntry[]> {
  const pteField = (await hasField(mem, 'VTDIOTLBEntry', 'pte')) ? 'pte' : 'slpte';
  const [S, E, K] = await Promise.all([
    layoutOf(mem, 'IntelIOMMUState', ['iotlb', 'aw_bits']),
    layoutOf(mem, 'VTDIOTLBEntry', ['gfn', 'domain_id', pteField, 'mask', 'access_flags']),
    layoutOf(mem, 'struct vtd_iotlb_key', ['sid']),
  ]);
  const s = new Bytes(await mem.read(iommu, Number(S.size)), 'IntelIOMMUState');
  const awBits = BigInt(s.u8(S.off.aw_bits));
  const haw = (1n << awBits) - 1n;
  const what = `intel-iommu IOTLB (IntelIOMMUState at 0x${iommu.toString(16)})`;
  const slots = await readGHashTable(mem, s.u64(S.off.iotlb), what);
  const entries = await Promise.all(
    slots.map(async ({ key, value }) => {
      const [eb, kb] = await Promise.all([mem.read(value, Number(E.size)), mem.read(key, Number(K.size))]);
      const e = new Bytes(eb, `VTDIOTLBEntry at 0x${value.toString(16)}`);
      const mask = e.u64(E.off.mask);
      const pte = e.u64(E.off[pteField as 'pte']);
      return {
        domain: e.u16(E.off.domain_id),
        iova: (e.u64(E.off.gfn) << 12n) & 0xffff_ffff_ffff_ffffn,
        gpa: pte & mask & haw & ~0xfffn,
        perm: e.u8(E.off.access_flags) & 3,
        sid: new Bytes(kb, 'vtd_iotlb_key').u16(K.off.sid),
        mask,
      } satisfies InternalIotlbEntry;
    }),
  );
  return entries.sort((a, b) => (a.domain - b.domain) || (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
}
