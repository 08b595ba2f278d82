// A C debug session on QEMU the way an editor drives one: Eclipse CDT's GDB debug adapter
// (cdt-gdb-adapter, a devDependency) over DAP on stdio, with the real gdb attached to a real QEMU.
// Tracks stops the way VS Code does (stopped/continued events) and gives the transport's requester.
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DapRequester } from '../../src/qemu/internals/index.js';

const ADAPTER = join(__dirname, '../../node_modules/cdt-gdb-adapter/dist/debugAdapter.js');

export interface CdtSession {
  dc: DebugClient;
  capabilities: DebugProtocol.Capabilities;
  /** true between a stopped event and the next continue */
  stopped(): boolean;
  requester: DapRequester;
  /** arm before the action that stops QEMU; resolves with the stopped thread */
  nextStop(): Promise<number>;
  /** the stopped thread's top frame */
  topFrame(threadId: number): Promise<DebugProtocol.StackFrame>;
  resume(threadId: number): Promise<void>;
  close(): Promise<void>;
}

/** Attach the adapter's gdb to QEMU `pid` (QEMU runs again once attached) with `functionBreakpoints`. */
export async function attachCdt(pid: number, program: string, functionBreakpoints: string[]): Promise<CdtSession> {
  const dc = new DebugClient('node', ADAPTER, 'gdb', { stdio: 'pipe' });
  dc.defaultTimeout = 60_000;
  await dc.start();
  let isStopped = false;
  const stopWaiters: ((thread: number) => void)[] = [];
  dc.on('stopped', (e: DebugProtocol.StoppedEvent) => {
    isStopped = true;
    stopWaiters.shift()?.(e.body.threadId ?? 1);
  });
  dc.on('continued', () => (isStopped = false));
  const init = await dc.initializeRequest({ adapterID: 'gdb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', supportsMemoryReferences: true });
  const initialized = dc.waitForEvent('initialized');
  await dc.attachRequest({ processId: String(pid), program, gdb: 'gdb', gdbArguments: ['-nx', '-iex', 'set auto-load python-scripts off'] } as DebugProtocol.AttachRequestArguments);
  await initialized;
  await dc.setFunctionBreakpointsRequest({ breakpoints: functionBreakpoints.map((name) => ({ name })) });
  await dc.configurationDoneRequest();
  return {
    dc,
    capabilities: init.body ?? {},
    stopped: () => isStopped,
    requester: {
      async request(command, args) {
        const r = await dc.send(command, args);
        return r.body;
      },
    },
    nextStop: () => new Promise<number>((r) => stopWaiters.push(r)),
    async topFrame(threadId) {
      const st = await dc.stackTraceRequest({ threadId, startFrame: 0, levels: 1 });
      return st.body.stackFrames[0]!;
    },
    async resume(threadId) {
      isStopped = false;
      await dc.continueRequest({ threadId });
    },
    async close() {
      try {
        await dc.disconnectRequest({ terminateDebuggee: false });
      } finally {
        await dc.stop();
      }
    },
  };
}
