// Instruction single-step of one vCPU through the gdbstub (`vCont;s:TID`): the answer is the stop
// reply sent once the instruction retired (GdbClient.resume).
import type { GdbClient, StopReply } from '../qemu/gdb/gdbClient.js';

/** Does the stub single-step? QEMU lists its vCont actions in the answer to `vCont?` ("vCont;c;C;s;S"). */
export async function canSingleStep(gdb: GdbClient): Promise<boolean> {
  const reply = await gdb.request('vCont?');
  return reply.startsWith('vCont') && reply.split(';').slice(1).includes('s');
}

/**
 * Step vCPU `threadId` (gdb thread id, cpu_index + 1) by one instruction; the other vCPUs stay
 * stopped. Resolves with the stop reply (T05 when the instruction retired, T02 when the VM was
 * stopped some other way first, e.g. by QMP `stop`).
 */
export async function singleStep(gdb: GdbClient, threadId: number, timeoutMs: number): Promise<StopReply> {
  return gdb.resume(`vCont;s:${threadId.toString(16)}`, { timeoutMs });
}
