// One read of QEMU's internals: open QEMU's executable in gdb (layouts and symbols come from the
// debug information while QEMU still runs), attach (QEMU stops), read RAM blocks, every
// FlatView, the VT-d IOTLB and the vhost devices, detach (QEMU runs again). QEMU is stopped only
// between attach and detach; nothing inside QEMU is ever called.
import type { QemuInternals } from '../../model/qemuInternals.js';
import { GdbQemuMemory } from './gdbQemuMemory.js';
import type { GdbMiOptions } from './mi/gdbMi.js';
import { readAddressSpaces } from './readers/addressSpaces.js';
import { readRamBlocks } from './readers/ramBlocks.js';
import { findIntelIommu, readVtdIotlb } from './readers/vtdIotlb.js';
import { readVhostDevices } from './readers/vhost.js';
import { hasField, layoutOf } from './layout.js';
import type { QemuMemory } from './qemuMemory.js';

/** The layouts every snapshot needs, asked before QEMU is stopped (pipelined). */
async function warmLayouts(mem: QemuMemory): Promise<void> {
  await Promise.all([
    layoutOf(mem, 'RAMBlock', ['host', 'offset', 'used_length', 'max_length', 'idstr', 'next.le_next']),
    layoutOf(mem, 'AddressSpace', ['name', 'current_map', 'address_spaces_link.tqe_next']),
    layoutOf(mem, 'FlatView', ['ranges', 'nr']),
    layoutOf(mem, 'FlatRange', ['mr', 'offset_in_region', 'addr.start', 'addr.size', 'romd_mode', 'readonly']),
    layoutOf(mem, 'MemoryRegion', ['name', 'ram', 'ram_block', 'readonly', 'rom_device']),
    layoutOf(mem, 'struct vhost_dev', ['started', 'vhost_ops', 'opaque', 'entry.le_next']),
    layoutOf(mem, 'VhostOps', ['backend_type']),
    mem.offsetOf('PCMachineState', 'iommu'),
    mem.offsetOf('IntelIOMMUState', 'csrmem'),
    layoutOf(mem, 'IntelIOMMUState', ['iotlb', 'aw_bits']),
    layoutOf(mem, 'struct vtd_iotlb_key', ['sid']),
    hasField(mem, 'VTDIOTLBEntry', 'pte').then((pte) => layoutOf(mem, 'VTDIOTLBEntry', ['gfn', 'domain_id', pte ? 'pte' : 'slpte', 'mask', 'access_flags'])),
  ]);
}

/** Read everything from an attached QemuMemory (any transport). */
export async function readInternalsFrom(mem: QemuMemory): Promise<Omit<QemuInternals, 'stoppedMs'>> {
  // all settled before answering: no read may still be in flight when the caller detaches
  const settled = await Promise.allSettled([readRamBlocks(mem), readAddressSpaces(mem), findIntelIommu(mem), readVhostDevices(mem)] as const);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  const [ramBlocks, addressSpaces, iommu, vhost] = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof readRamBlocks>>,
    Awaited<ReturnType<typeof readAddressSpaces>>,
    Awaited<ReturnType<typeof findIntelIommu>>,
    Awaited<ReturnType<typeof readVhostDevices>>,
  ];
  const vtd = iommu === null ? null : { iotlb: await readVtdIotlb(mem, iommu) };
  if (!addressSpaces.some((a) => a.name === 'memory')) throw new Error(`QEMU (pid ${mem.pid}) has no "memory" AddressSpace: not a system emulator?`);
  return { pid: mem.pid, ramBlocks, addressSpaces, vtd, vhost };
}

export type ReadInternalsOptions = GdbMiOptions;

/**
 * One snapshot through an open gdb: layouts first (QEMU runs), then stop QEMU (attach, or
 * interrupt when gdb runs it), read, let it go. The gdb stays open for the next snapshot.
 */
export async function snapshotInternals(mem: GdbQemuMemory): Promise<QemuInternals> {
  await warmLayouts(mem);
  await mem.attach();
  let read: Omit<QemuInternals, 'stoppedMs'>;
  try {
    read = await readInternalsFrom(mem);
    mem.checkAlive('the snapshot');
  } finally {
    if (!mem.exited) await mem.detach();
  }
  return { ...read, stoppedMs: mem.stoppedMs };
}

/** Attach to QEMU `pid` with a headless gdb, read its internals, detach. QEMU keeps running. */
export async function readQemuInternals(pid: number, opts: ReadInternalsOptions = {}): Promise<QemuInternals> {
  const mem = await GdbQemuMemory.open(pid, opts);
  try {
    return await snapshotInternals(mem);
  } finally {
    await mem.close();
  }
}

/**
 * Read the internals from a core of QEMU (`gcore PID`, a crash dump) with the executable it was
 * taken of. Nothing runs: the answer is QEMU's state at the moment of the dump.
 */
export async function readQemuCore(exe: string, core: string, opts: ReadInternalsOptions = {}): Promise<QemuInternals> {
  const mem = await GdbQemuMemory.openCore(exe, core, opts);
  try {
    await warmLayouts(mem);
    await mem.attach();
    const read = await readInternalsFrom(mem);
    await mem.detach();
    return { ...read, stoppedMs: 0, core };
  } finally {
    await mem.close();
  }
}
