// Where a vCPU stopped, as the "source" of its one stack frame. VS Code focuses a stopped
// thread's top frame (and so fills Variables) only when the frame has a source it can show; a
// vCPU has no guest source we could know, so its frame shows this short page instead: where it
// stopped and where the VM's addresses are. Each stop gets new references, so VS Code never
// shows the page of an earlier stop from its cache.
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CONSOLE_HINT } from './commandLine.js';

/** threads per stop in the reference numbering; a VM has fewer vCPUs than this */
const MAX_THREADS = 4096;

export class StopPages {
  private stop = 0;
  private reason = 'entry';
  private readonly pages = new Map<number, string>();

  /** A new stop: the pages of the last one are gone. */
  stopped(reason: string): void {
    this.stop++;
    this.reason = reason;
    this.pages.clear();
  }

  /** The source of a vCPU's frame at this stop (`pc` when it could be read). */
  source(threadId: number, pc: string | undefined, why?: string): DebugProtocol.Source {
    const ref = this.stop * MAX_THREADS + (threadId % MAX_THREADS);
    const vcpu = `vCPU ${threadId - 1}`;
    this.pages.set(ref, page(vcpu, this.reason, pc, why));
    return { name: `${vcpu} (${this.reason})`, sourceReference: ref, presentationHint: 'normal', origin: 'IOVA Lens' };
  }

  /** The text of a reference; an old stop's reference says so. */
  content(ref: number): string {
    return this.pages.get(ref) ?? 'This stop is over: the vCPUs ran since. The current stop is in the Call Stack.\n';
  }
}

function page(vcpu: string, reason: string, pc: string | undefined, why: string | undefined): string {
  return [
    `${vcpu} stopped (${reason})${pc !== undefined ? ` at rip ${pc}` : why ? `: ${why}` : ''}`,
    '',
    'IOVA Lens debugs the VM\'s addresses, not guest source code:',
    `- Variables: ${vcpu}'s registers, guest memory (GPA → HVA), the virtqueues with every ring address translated, the vIOMMU's mappings`,
    '- IOVA Lens: Open Translation Tree: the same as a tree, with a memory view of each range',
    `- ${CONSOLE_HINT.replace(/^IOVA Lens: t/, 'T').replace('here', 'in the Debug Console')}`,
    '',
  ].join('\n');
}
