// Threads are the vCPUs; each has exactly one frame, its program counter. QEMU cannot unwind a
// guest stack for us and IOVA Lens is about addresses, not source lines.
import { StackFrame, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex } from '../model/u64.js';
import type { QemuTarget } from './target.js';

export async function threadsOf(target: QemuTarget): Promise<DebugProtocol.Thread[]> {
  return (await target.threads()).map((t) => new Thread(t.id, t.name));
}

/** The frame id is the thread id: one frame per vCPU makes a separate frame table pointless. */
export async function stackOf(target: QemuTarget, threadId: number): Promise<DebugProtocol.StackFrame[]> {
  let name: string;
  let pc: bigint | undefined;
  try {
    pc = await target.pc(threadId);
    name = `vCPU ${threadId - 1} @ ${hex(pc)}`;
  } catch (e) {
    name = `vCPU ${threadId - 1} (${(e as Error).message})`;
  }
  const frame: DebugProtocol.StackFrame = new StackFrame(threadId, name);
  frame.presentationHint = 'normal';
  if (pc !== undefined) frame.instructionPointerReference = hex(pc);
  return [frame];
}

export const threadOfFrame = (frameId: number): number => frameId;
