// One guest IOVA of one device, walked in the running VM and answered in the model's words
// (src/model/liveSource.ts): DMA QEMU does not translate (no vtd-…-dmar root in mtree, or VT-d
// translation off) is GIOVA = GPA; otherwise the guest's VT-d tables are walked over the gdbstub
// (the caller holds physical mode). The CLI's live resolve and the debug adapter both ask this.
import { untranslatedAnswer, vtdLeafAnswer, type GiovaAnswer } from '../../model/liveSource.js';
import type { PciBdf } from '../../model/pciAddress.js';
import { walkVtd } from '../../model/viommu/vtdWalker.js';
import { hex } from '../../model/u64.js';
import { dmaViewOf } from './devicePlacement.js';
import type { LiveSession } from './liveSession.js';
import type { LiveMemory } from './memoryMap.js';
import { NO_GDB_REASON, type SnapshotVtd } from './types.js';
import { readVtdRegisters } from './vtdRegisters.js';

/** `name` is the device as users write it ('00:02.0'); it names the answer's owner. */
export async function walkLiveGiova(session: LiveSession, memory: LiveMemory, device: PciBdf, name: string, giova: bigint): Promise<GiovaAnswer> {
  if (!dmaViewOf(memory.views, device)) return untranslatedAnswer(giova, `${name} DMA is not translated (no vtd-…-dmar root in mtree)`);
  if (!session.gdb) return { ok: false, reason: NO_GDB_REASON };
  let vtd: SnapshotVtd;
  try {
    vtd = await readVtdRegisters(session.gdb);
  } catch (e) {
    session.checkAlive();
    return { ok: false, reason: `VT-d registers unreadable: ${(e as Error).message}` };
  }
  if (!vtd.translationEnabled) return untranslatedAnswer(giova, 'VT-d translation disabled (GSTS.TES clear)');
  if (vtd.rtaddr === null) return { ok: false, reason: 'VT-d root table pointer not set (GSTS.RTPS clear)' };
  const r = await walkVtd({ rtaddr: vtd.rtaddr, device, iova: giova, config: vtd.config }, session.reader);
  session.checkAlive();
  if (!r.ok) return { ok: false, reason: `VT-d walk of GIOVA ${hex(giova)} for device ${name}: ${r.reason}` };
  return vtdLeafAnswer(name, giova, r);
}
