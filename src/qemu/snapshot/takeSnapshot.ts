// takeSnapshot: everything IOVA Lens can learn about the live VM's DMA in one go. QMP questions
// that do not depend on each other are pipelined; guest memory is read through the gdbstub in
// one physical-mode section, page by page, cached. Without a gdbstub everything that needs guest
// memory is null with NO_GDB_REASON and the rest is still there.
import { parseBdf, type PciBdf } from '../../model/pciAddress.js';
import type { GdbClient } from '../gdb/gdbClient.js';
import type { QmpClient } from '../qmp/qmpClient.js';
import type { QemuMonitor } from '../qmp/qemuMonitor.js';
import type { FlatView } from '../parse/mtreeFlat.js';
import type { PciDevice } from '../parse/pci.js';
import type { VirtioDeviceRef, VirtioStatus, VirtQueueStatus } from '../parse/virtio.js';
import { DeviceDma, newDmaSetup, type DmaSetup } from './deviceDma.js';
import { LiveSession } from './liveSession.js';
import { buildLiveMemory } from './memoryMap.js';
import { snapshotQueue } from './queueSnapshot.js';
import { readVtdRegisters } from './vtdRegisters.js';
import { NO_GDB_REASON, type Snapshot, type SnapshotVirtio, type SnapshotVtd } from './types.js';
import { matchVirtioPci, dmaViewOf } from './devicePlacement.js';

export interface SnapshotPeers {
  qmp: QmpClient | QemuMonitor;
  gdb?: GdbClient | undefined;
}

const PACKED = /^VIRTIO_F_RING_PACKED\b/;
const ACCESS_PLATFORM = /^VIRTIO_F_(IOMMU|ACCESS)_PLATFORM\b/;

interface VirtioRaw {
  ref: VirtioDeviceRef;
  status: VirtioStatus | undefined;
  queues: VirtQueueStatus[];
  devfn: number | undefined;
  problems: string[];
}

export async function takeSnapshot(peers: SnapshotPeers): Promise<Snapshot> {
  const t0 = performance.now();
  const session = new LiveSession(peers.qmp, peers.gdb);
  try {
    const body = (): Promise<Snapshot> => snapshotBody(session, t0);
    // One physical-mode section for the whole snapshot: three packets instead of three per read.
    return await (session.gdb ? session.gdb.memory.physical(body) : body());
  } finally {
    session.close();
  }
}

async function snapshotBody(session: LiveSession, t0: number): Promise<Snapshot> {
  const mon = session.monitor;
  const [version, views, blocks, pci, devices] = await Promise.all([mon.queryVersion(), mon.mtreeFlat(), mon.ramBlocks(), mon.queryPci(), mon.virtioDevices()]);
  const [memory, raws] = await Promise.all([buildLiveMemory(session, views, blocks), Promise.all(devices.map((d) => readVirtio(session, d)))]);
  const problems = [...memory.problems];

  let vtd: SnapshotVtd | null = null;
  let vtdReason: string | undefined;
  if (!session.gdb) vtdReason = NO_GDB_REASON;
  else if (!memory.regions.some((r) => r.name === 'intel_iommu')) vtdReason = 'no VT-d unit (no intel_iommu region in system memory)';
  else {
    try {
      vtd = await readVtdRegisters(session.gdb);
    } catch (e) {
      session.checkAlive();
      vtdReason = `VT-d registers: ${(e as Error).message}`;
    }
  }
  const setup = newDmaSetup(session, memory.map, vtd, vtdReason);
  const virtio: SnapshotVirtio[] = [];
  for (const raw of raws) {
    virtio.push(await deviceSnapshot(setup, raw, pci, views, vtd));
    session.checkAlive();
  }
  const v = version;
  return {
    qemu: { version: `${v.major}.${v.minor}.${v.micro}`, major: v.major, minor: v.minor, micro: v.micro, package: v.package },
    memory: { regions: memory.regions, ramBlocks: memory.ramBlocks },
    pci,
    vtd,
    ...(vtdReason !== undefined ? { vtdReason } : {}),
    virtio,
    counts: { ...session.counts },
    elapsedMs: performance.now() - t0,
    problems,
  };
}

/** Status, every queue's status and the PCI proxy's devfn, all pipelined. */
async function readVirtio(session: LiveSession, ref: VirtioDeviceRef): Promise<VirtioRaw> {
  const mon = session.monitor;
  const raw: VirtioRaw = { ref, status: undefined, queues: [], devfn: undefined, problems: [] };
  const proxy = ref.path.replace(/\/virtio-backend$/, '');
  const addr = mon.qomGet(proxy, 'addr').then(
    (v) => {
      const n = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN;
      if (Number.isInteger(n) && n >= 0 && n < 256) raw.devfn = n;
      else raw.problems.push(`qom-get ${proxy} addr: unexpected answer ${JSON.stringify(String(v))}`);
    },
    (e: unknown) => {
      session.checkAlive();
      raw.problems.push(`qom-get ${proxy} addr: ${(e as Error).message}`);
    },
  );
  try {
    raw.status = await mon.virtioStatus(ref.path);
    raw.queues = await Promise.all(Array.from({ length: raw.status.numVqs }, (_, i) => mon.virtQueueStatus(ref.path, i)));
  } catch (e) {
    session.checkAlive();
    raw.problems.push(`${ref.path}: ${(e as Error).message}`);
  }
  await addr;
  return raw;
}

async function deviceSnapshot(setup: DmaSetup, raw: VirtioRaw, pci: PciDevice[], views: FlatView[], vtd: SnapshotVtd | null): Promise<SnapshotVirtio> {
  const problems = [...raw.problems];
  const match = matchVirtioPci(raw.ref, raw.devfn, raw.status?.deviceId, pci);
  if (match.problem) problems.push(match.problem);
  const bdf: PciBdf | null = match.device ? parseBdf(match.device.bdf) : null;
  const view = bdf ? dmaViewOf(views, bdf) : undefined;
  let behindIommu = view?.translated ?? false;
  if (behindIommu && vtd && !vtd.translationEnabled) {
    problems.push('mtree shows a -dmar root but GSTS.TES is clear: treating DMA as untranslated');
    behindIommu = false;
  }
  const status = raw.status;
  const offered = status?.hostFeatures.transports.some((t) => ACCESS_PLATFORM.test(t)) ?? false;
  // QEMU picks the device's DMA address space from what the device offers, not what the guest took.
  const translated = behindIommu && offered;
  if (translated && status && !status.accessPlatform) problems.push('the driver did not accept ACCESS_PLATFORM; QEMU still does DMA through the vIOMMU (addresses treated as GIOVAs)');
  const label = `${raw.ref.name}${match.device ? ` (${match.device.bdf})` : ''}`;
  const dma = new DeviceDma(setup, bdf, translated, label);
  const packed = status?.guestFeatures.transports.some((t) => PACKED.test(t)) ?? false;
  const queues = [];
  for (const qs of raw.queues) {
    queues.push(await snapshotQueue(dma, qs, packed, setup.session.gdb !== undefined));
    setup.session.checkAlive();
  }
  return {
    path: raw.ref.path,
    name: raw.ref.name,
    pci: match.device?.bdf ?? null,
    status: status ?? null,
    behindIommu,
    dmaRoot: view?.root ?? null,
    queues,
    problems,
  };
}
