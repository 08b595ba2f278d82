// What the debug console, the memory view and the resolve request read from the live VM: the
// memory map comes from QMP (works without a gdbstub), GIOVAs are walked through the guest's
// VT-d tables read over the gdbstub in physical mode, as the snapshot does. Resolving what was
// read is the model's (src/model/resolve.ts with src/model/liveSource.ts).
import type { GuestMemoryMap } from '../model/memory/guestMemoryMap.js';
import { parseBdf } from '../model/pciAddress.js';
import type { GdbClient } from '../qemu/gdb/gdbClient.js';
import type { QemuMonitor } from '../qemu/qmp/qemuMonitor.js';
import { DeviceDma, newDmaSetup } from '../qemu/snapshot/deviceDma.js';
import { LiveSession } from '../qemu/snapshot/liveSession.js';
import { readLiveMemory } from '../qemu/snapshot/memoryMap.js';
import { walkLiveGiova } from '../qemu/snapshot/liveGiova.js';
import type { GiovaAnswer } from '../model/liveSource.js';
import type { SnapshotRegion } from '../qemu/snapshot/types.js';
import { readVtdRegisters } from '../qemu/snapshot/vtdRegisters.js';

/** Run `fn` with one device's DMA view (VT-d registers read once, table pages cached). */
export async function withDeviceDma<T>(mon: QemuMonitor, gdb: GdbClient, device: string, fn: (dma: DeviceDma) => Promise<T>): Promise<T> {
  const session = new LiveSession(mon, gdb);
  try {
    return await gdb.memory.physical(async () => {
      const memory = await readLiveMemory(session);
      let vtd = null;
      let why: string | undefined;
      try {
        vtd = await readVtdRegisters(gdb);
      } catch (e) {
        why = `VT-d registers unreadable: ${(e as Error).message}`;
      }
      const setup = newDmaSetup(session, memory.map, vtd, why);
      return fn(new DeviceDma(setup, parseBdf(device), true, `device ${device}`));
    });
  } finally {
    session.close();
  }
}

/** One guest IOVA of one device walked in the VM, as the model's vIOMMU answer (the CLI asks the same). */
export async function walkGiova(mon: QemuMonitor, gdb: GdbClient, device: string, giova: bigint): Promise<GiovaAnswer> {
  const session = new LiveSession(mon, gdb);
  try {
    return await gdb.memory.physical(async () => walkLiveGiova(session, await readLiveMemory(session), parseBdf(device), device, giova));
  } finally {
    session.close();
  }
}

export async function liveMemoryMap(mon: QemuMonitor): Promise<{ map: GuestMemoryMap; regions: SnapshotRegion[] }> {
  const session = new LiveSession(mon, undefined);
  try {
    const m = await readLiveMemory(session);
    return { map: m.map, regions: m.regions };
  } finally {
    session.close();
  }
}
