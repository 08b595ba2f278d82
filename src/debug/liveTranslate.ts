// Translations the debug console and the memory view ask for, answered from the live VM: the
// memory map comes from QMP (works without a gdbstub), GIOVAs are walked through the guest's
// VT-d tables read over the gdbstub in physical mode, as the snapshot does.
import type { GuestMemoryMap } from '../model/memory/guestMemoryMap.js';
import { parseBdf } from '../model/viommu/vtdFormat.js';
import { hex } from '../model/u64.js';
import type { ResolveAnswer, ResolveHop } from '../model/resolution.js';
import type { GdbClient } from '../qemu/gdb/gdbClient.js';
import type { QemuMonitor } from '../qemu/qmp/qemuMonitor.js';
import { DeviceDma, newDmaSetup } from '../qemu/snapshot/deviceDma.js';
import { LiveSession } from '../qemu/snapshot/liveSession.js';
import { readLiveMemory } from '../qemu/snapshot/memoryMap.js';
import type { SnapshotAddr, SnapshotRegion } from '../qemu/snapshot/types.js';
import { readVtdRegisters } from '../qemu/snapshot/vtdRegisters.js';

/** One answer line of `resolve`: what ADDR is in SPACE, or why it is nothing there. */
export interface Resolution {
  space: 'gpa' | 'hva' | 'giova';
  device?: string;
  addr: bigint;
  gpa: bigint | null;
  hva: bigint | null;
  region?: string;
  reason?: string;
}

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

export async function liveMemoryMap(mon: QemuMonitor): Promise<{ map: GuestMemoryMap; regions: SnapshotRegion[] }> {
  const session = new LiveSession(mon, undefined);
  try {
    const m = await readLiveMemory(session);
    return { map: m.map, regions: m.regions };
  } finally {
    session.close();
  }
}

export function resolveGpa(map: GuestMemoryMap, gpa: bigint): Resolution {
  const r = map.gpaToHva(gpa);
  if (r.ok) return { space: 'gpa', addr: gpa, gpa, hva: r.hva, region: r.range.name };
  return { space: 'gpa', addr: gpa, gpa, hva: null, ...(r.range ? { region: r.range.name } : {}), reason: r.reason };
}

/** An HVA can be several GPAs (aliases); one line each. */
export function resolveHva(map: GuestMemoryMap, hva: bigint): Resolution[] {
  const views = map.hvaToGpas(hva);
  if (views.length === 0) return [{ space: 'hva', addr: hva, gpa: null, hva, reason: `HVA ${hex(hva)} is in no RAM block mapped into guest-physical memory` }];
  return views.map((v) => ({ space: 'hva', addr: hva, gpa: v.gpa, hva, region: v.range.name }));
}

export function fromDeviceAddr(device: string, t: SnapshotAddr, map: GuestMemoryMap): Resolution {
  const region = t.gpa !== null ? map.findRange(t.gpa)?.name : undefined;
  return {
    space: 'giova',
    device,
    addr: t.addr,
    gpa: t.gpa,
    hva: t.hva,
    ...(region !== undefined ? { region } : {}),
    ...(t.reason !== undefined ? { reason: t.reason } : {}),
  };
}

export function formatResolution(r: Resolution): string {
  const what = r.space === 'giova' ? `giova ${hex(r.addr)} (${r.device ?? '?'})` : `${r.space} ${hex(r.addr)}`;
  const parts: string[] = [];
  if (r.space !== 'gpa' && r.gpa !== null) parts.push(`gpa ${hex(r.gpa)}`);
  if (r.space !== 'hva' && r.hva !== null) parts.push(`hva ${hex(r.hva)}`);
  if (r.region) parts.push(`in ${r.region}`);
  return `${what} -> ${parts.join(', ') || 'nothing'}${r.reason ? ` (${r.reason})` : ''}`;
}

/**
 * The live answer in the model's one result type: each Resolution becomes a chain from the queried
 * address (giova → gpa → hva, gpa → hva, hva → gpa), the first one the main chain and the rest
 * alternatives (an HVA seen at several GPAs); an address that goes nowhere is the error.
 */
export function answerOf(rs: readonly Resolution[]): ResolveAnswer {
  const chains: ResolveHop[][] = [];
  const reasons: string[] = [];
  for (const r of rs) {
    const first: ResolveHop = { space: r.space, addr: r.addr, ...(r.device !== undefined ? { device: r.device } : {}) };
    const chain: ResolveHop[] = [first];
    const gpaHop = (gpa: bigint): ResolveHop => ({ space: 'gpa', addr: gpa, ...(r.region !== undefined ? { owner: r.region } : {}) });
    if (r.space === 'gpa') {
      if (r.region !== undefined) first.owner = r.region;
      if (r.hva !== null) chain.push({ space: 'hva', addr: r.hva });
    } else if (r.space === 'hva') {
      if (r.gpa !== null) chain.push(gpaHop(r.gpa));
    } else {
      if (r.gpa !== null) chain.push(gpaHop(r.gpa));
      if (r.hva !== null) chain.push({ space: 'hva', addr: r.hva });
    }
    if (r.reason !== undefined) reasons.push(r.reason);
    if (chain.length > 1) chains.push(chain);
  }
  if (chains.length === 0) return { hops: [], alternatives: [], error: reasons.join('; ') || 'not mapped' };
  const [hops, ...alternatives] = chains;
  return { hops: hops!, alternatives, ...(reasons.length ? { note: reasons.join('; ') } : {}) };
}
