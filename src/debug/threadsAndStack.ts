// Threads are the vCPUs; each has exactly one frame, its program counter. QEMU cannot unwind a
// guest stack for us and IOVA Lens is about addresses, not source lines.
import { StackFrame, Thread } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { hex } from '../model/u64.js';
import type { StopPages } from './stopPage.js';
import type { QemuTarget } from './target.js';

export async function threadsOf(target: QemuTarget): Promise<DebugProtocol.Thread[]> {
  return (await target.threads()).map((t) => new Thread(t.id, t.name));
}

/** The frame id is the thread id: one frame per vCPU makes a separate frame table pointless. */
export async function stackOf(target: QemuTarget, threadId: number, pages: StopPages): Promise<DebugProtocol.StackFrame[]> {
  let name: string;
  let pc: bigint | undefined;
  let why: string | undefined;
  try {
    pc = await target.pc(threadId);
    name = `vCPU ${threadId - 1} @ ${hex(pc)}`;
  } catch (e) {
    why = (e as Error).message;
    name = `vCPU ${threadId - 1} (${why})`;
  }
  // line 1 of the stop page: VS Code focuses the frame, so Variables fill without a click
  const frame: DebugProtocol.StackFrame = new StackFrame(threadId, name);
  frame.source = pages.source(threadId, pc !== undefined ? hex(pc) : undefined, why);
  frame.line = 1;
  frame.column = 1;
  frame.presentationHint = 'normal';
  if (pc !== undefined) frame.instructionPointerReference = hex(pc);
  return [frame];
}

export const threadOfFrame = (frameId: number): number => frameId;
