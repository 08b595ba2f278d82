// One virtqueue in the snapshot: its three ring addresses translated as the device sees them,
// and the next available chain read from guest memory with every buffer address translated.
// Ring areas are read whole (one DMA read each), so a queue costs a few page reads at most.
import type { VirtQueueStatus } from '../parse/virtio.js';
import type { DeviceDma } from './deviceDma.js';
import { descFlagNames, DESC_F_WRITE, DESC_SIZE, packedChain, readU16, splitChain, type ChainResult, type RawDesc } from './virtqueueChain.js';
import { NO_GDB_REASON, type SnapshotDesc, type SnapshotQueue } from './types.js';

export async function snapshotQueue(dma: DeviceDma, status: VirtQueueStatus, packed: boolean, haveGdb: boolean): Promise<SnapshotQueue> {
  // The used ring is written by the device; desc and avail are read.
  const [desc, avail, used] = await Promise.all([
    dma.translate(status.vringDesc),
    dma.translate(status.vringAvail),
    dma.translate(status.vringUsed, 'write'),
  ]);
  const q: SnapshotQueue = {
    index: status.queueIndex,
    status,
    layout: packed ? 'packed' : 'split',
    rings: { desc, avail, used },
    availIdx: null,
    head: null,
    next: [],
    pending: null,
  };
  const num = status.vringNum;
  if (num === 0 || status.vringDesc === 0n) return { ...q, nextReason: 'queue not set up by the driver (no descriptor ring)' };
  if (!haveGdb) return { ...q, nextReason: NO_GDB_REASON };
  const last = status.lastAvailIdx;
  if (last === undefined) return { ...q, nextReason: 'QEMU does not report last-avail-idx for this queue (vhost owns it)' };

  const readIndirect = (addr: bigint, len: number): Promise<Uint8Array> => dma.read(addr, len);
  let chain: ChainResult;
  try {
    if (packed) {
      const ring = await dma.read(status.vringDesc, num * DESC_SIZE);
      const c = await packedChain(ring, num, last % num, readIndirect);
      q.head = last % num;
      q.pending = c.available;
      chain = c;
    } else {
      const [availBytes, table] = await Promise.all([dma.read(status.vringAvail, 4 + 2 * num), dma.read(status.vringDesc, num * DESC_SIZE)]);
      q.availIdx = readU16(availBytes, 2);
      q.pending = q.availIdx !== last;
      q.head = readU16(availBytes, 4 + 2 * (last % num));
      chain = await splitChain(table, num, q.head, readIndirect);
    }
  } catch (e) {
    return { ...q, nextReason: `reading the rings of queue ${status.queueIndex} of ${dma.label}: ${(e as Error).message}` };
  }
  q.next = await Promise.all(chain.descs.map((d) => snapshotDesc(dma, d, packed)));
  if (chain.problem) q.nextReason = chain.problem;
  return q;
}

async function snapshotDesc(dma: DeviceDma, d: RawDesc, packed: boolean): Promise<SnapshotDesc> {
  // WRITE: the device writes the buffer, so the walk checks write permission.
  const t = await dma.translate(d.addr, d.flags & DESC_F_WRITE ? 'write' : 'read');
  return { ...t, index: d.index, len: d.len, flags: descFlagNames(d.flags, packed), indirect: d.indirect };
}
