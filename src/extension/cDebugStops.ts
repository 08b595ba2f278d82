// The stops of the user's own C/C++ debug sessions (cppdbg, CodeLLDB, Eclipse CDT GDB, …), seen
// through a debug adapter tracker: which session is stopped, on which thread, whether its adapter
// reads memory — and QEMU's internals read through it once per stop (a continue, a step or the
// end of the session drops them).
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug/args.js';
import type { QemuInternals } from '../model/qemuInternals.js';

interface SessionState {
  stopped: boolean;
  /** bumped at every stop: the key of the internals read at that stop */
  stop: number;
  threadId: number | undefined;
  supportsReadMemory: boolean | undefined;
  /** the debuggee is no QEMU system emulator: asked once per session, not at every hover */
  notQemu: boolean;
  internals: { stop: number; read: Promise<QemuInternals> } | undefined;
  /** QEMU's type layouts as its debug information gave them: the same for the whole session */
  layouts: Map<string, Promise<bigint>>;
}

/** requests after which the debuggee runs (until the next stopped event) */
const RESUMING = new Set(['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'goto', 'restartFrame', 'restart', 'disconnect', 'terminate']);

interface DapMessage {
  type?: string;
  event?: string;
  command?: string;
  success?: boolean;
  body?: { threadId?: number; supportsReadMemoryRequest?: boolean };
}

export class CDebugStops implements vscode.Disposable {
  private readonly sessions = new Map<string, SessionState>();
  private readonly registrations: vscode.Disposable[];

  constructor() {
    this.registrations = [
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => (session.type === DEBUG_TYPE ? undefined : this.tracker(session.id)),
      }),
      vscode.debug.onDidTerminateDebugSession((s) => this.sessions.delete(s.id)),
    ];
  }

  private state(id: string): SessionState {
    let s = this.sessions.get(id);
    if (!s) this.sessions.set(id, (s = { stopped: false, stop: 0, threadId: undefined, supportsReadMemory: undefined, notQemu: false, internals: undefined, layouts: new Map() }));
    return s;
  }

  private running(s: SessionState): void {
    s.stopped = false;
    s.internals = undefined;
  }

  private tracker(id: string): vscode.DebugAdapterTracker {
    return {
      onWillReceiveMessage: (m: unknown) => {
        const msg = m as DapMessage;
        if (msg.type === 'request' && msg.command !== undefined && RESUMING.has(msg.command)) this.running(this.state(id));
      },
      onDidSendMessage: (m: unknown) => {
        const msg = m as DapMessage;
        const s = this.state(id);
        if (msg.type === 'response' && msg.command === 'initialize' && msg.success) s.supportsReadMemory = msg.body?.supportsReadMemoryRequest === true;
        if (msg.type !== 'event') return;
        if (msg.event === 'stopped') {
          s.stopped = true;
          s.stop++;
          s.threadId = msg.body?.threadId;
          s.internals = undefined;
        } else if (msg.event === 'continued' || msg.event === 'exited' || msg.event === 'terminated') this.running(s);
      },
      onExit: () => this.running(this.state(id)),
    };
  }

  isStopped(id: string): boolean {
    return this.sessions.get(id)?.stopped === true;
  }

  /** A function that stays true only while the session is at the stop it was asked at. */
  stillAt(id: string): () => boolean {
    const s = this.sessions.get(id);
    const at = s?.stop;
    return () => s !== undefined && s.stopped && s.stop === at;
  }

  stoppedThread(id: string): number | undefined {
    return this.sessions.get(id)?.threadId;
  }

  supportsReadMemory(id: string): boolean | undefined {
    return this.sessions.get(id)?.supportsReadMemory;
  }

  layouts(id: string): Map<string, Promise<bigint>> {
    return this.state(id).layouts;
  }

  isNotQemu(id: string): boolean {
    return this.sessions.get(id)?.notQemu === true;
  }

  markNotQemu(id: string): void {
    this.state(id).notQemu = true;
  }

  /** QEMU's internals at this stop: read once by `read`, shared by every hover until QEMU runs. */
  internals(id: string, read: () => Promise<QemuInternals>): Promise<QemuInternals> {
    const s = this.state(id);
    if (s.internals?.stop === s.stop) return s.internals.read;
    const entry = { stop: s.stop, read: read() };
    s.internals = entry;
    // a failed read is not kept: the next hover asks again (e.g. after the user fixed the symbols)
    entry.read.catch(() => {
      if (s.internals === entry) s.internals = undefined;
    });
    return entry.read;
  }

  dispose(): void {
    for (const r of this.registrations) r.dispose();
    this.sessions.clear();
  }
}
