// The DAP session: translates requests to QemuTarget calls and target events to DAP events.
// It holds no QEMU knowledge of its own; request groups live in threadsAndStack.ts,
// variables.ts, memory.ts and evaluate.ts. Used inline by the extension and standalone by
// debugAdapter.ts.
import { resolve } from 'node:path';
import { ContinuedEvent, DebugSession, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { checkArgs, type AttachArgs, type LaunchArgs } from './args.js';
import type { QemuLayout } from '../model/qemuLayout.js';
import { RESOLVE_REQUEST, parseResolveArgs } from '../shared/protocol/debugRequests.js';
import { encodeResolveAnswer } from '../shared/protocol/resolveWire.js';
import { loadAttachedTrace, type AttachedTrace } from './attachedTrace.js';
import { CONSOLE_HINT } from './commandLine.js';
import { evaluate, liveResolve } from './evaluate.js';
import { readMemory, writeMemory } from './memory.js';
import { launchQemu, type LaunchedQemu } from './qemuProcess.js';
import { QemuTarget, type TargetEvent } from './target.js';
import { StopPages } from './stopPage.js';
import { stackOf, threadOfFrame, threadsOf } from './threadsAndStack.js';
import { VariableTree } from './variables.js';
import { guardProcess } from './processGuard.js';
import { ViewPublisher } from './viewPublisher.js';
import { InternalsSource } from './internalsView.js';

type AttachRequestArgs = DebugProtocol.AttachRequestArguments & AttachArgs;
type LaunchRequestArgs = DebugProtocol.LaunchRequestArguments & LaunchArgs;

const ERR = 3000;

/** What attach and launch share once QEMU's endpoints are known. */
interface Connection {
  qmp: string;
  gdb: string | undefined;
  allowMemoryWrite: boolean | undefined;
  name: string;
  refreshIntervalMs: number;
  timeoutMs: number | undefined;
}

export class IovaLensSession extends DebugSession {
  private target: QemuTarget | undefined;
  private launched: LaunchedQemu | undefined;
  private trace: AttachedTrace | undefined;
  private views: ViewPublisher | undefined;
  private internals: InternalsSource | undefined;
  private clientInvalidates = false;
  private readonly tree = new VariableTree(
    () => this.live(),
    () => this.trace,
    () => this.internals,
  );
  private ended = false;
  private readonly unguard = guardProcess((e, origin) =>
    this.sendEvent(new OutputEvent(`IOVA Lens internal error (${origin}), the session goes on: ${e.message}\n`, 'important')),
  );
  private readonly stopPages = new StopPages();

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.clientInvalidates = args.supportsInvalidatedEvent === true;
    response.body = {
      ...response.body,
      supportsSteppingGranularity: false,
      supportsConfigurationDoneRequest: true,
      supportsEvaluateForHovers: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsTerminateRequest: true,
    };
    this.sendResponse(response);
    // "initialized" waits for attach/launch to connect: VS Code asks for threads right after
    // configurationDone, and a session that is not connected yet would show none.
  }

  protected override async attachRequest(response: DebugProtocol.AttachResponse, raw: AttachRequestArgs): Promise<void> {
    await this.answer(response, async () => {
      const args = checkArgs('attach', raw);
      await this.attachTrace(args.trace, args.traceEvents, args.qemuLayout, undefined);
      if (args.qemuPid !== undefined || args.qemuInternals) this.internals = InternalsSource.attached(args.qemuPid, args.qmp, () => this.live(), () => this.trace);
      await this.connect({ qmp: args.qmp, gdb: args.gdb, allowMemoryWrite: args.allowMemoryWrite, name: nameOf(raw), refreshIntervalMs: args.refreshIntervalMs ?? 0, timeoutMs: args.timeoutMs });
    });
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: LaunchRequestArgs): Promise<void> {
    await this.answer(response, async () => {
      const args = checkArgs('launch', raw);
      await this.attachTrace(args.trace, args.traceEvents, args.qemuLayout, args.cwd);
      const q = await launchQemu(args, (text, category) => this.sendEvent(new OutputEvent(text, category)));
      this.launched = q;
      const under = q.underGdb;
      if (under) this.internals = new InternalsSource(() => under.internals(), () => this.live(), () => this.trace, false);
      q.onExit((code, signal) => {
        const why = `QEMU exited (${signal ?? `code ${code}`})${q.stderrTail() ? `: ${q.stderrTail()}` : ''}`;
        if (this.target) this.target.markExited(why);
        else this.end(why);
      });
      try {
        await this.connect({ qmp: q.qmp, gdb: q.gdb, allowMemoryWrite: args.allowMemoryWrite, name: nameOf(raw), refreshIntervalMs: args.refreshIntervalMs ?? 0, timeoutMs: args.timeoutMs });
      } catch (e) {
        q.dispose();
        throw e;
      }
    });
  }

  /**
   * Replay the configured trace once. A trace that cannot be read is reported on the console
   * (file:line where there is one) and the session goes on without its scope.
   */
  private async attachTrace(path: string | undefined, traceEvents: string[] | undefined, layout: QemuLayout | undefined, cwd: string | undefined): Promise<void> {
    if (path === undefined) return;
    const at = (p: string): string => (cwd !== undefined ? resolve(cwd, p) : p);
    const load = await loadAttachedTrace(at(path), traceEvents?.map(at), layout);
    this.trace = load.trace;
    for (const m of load.messages) this.sendEvent(new OutputEvent(`${m}\n`, 'console'));
  }

  private async connect(opts: Connection): Promise<void> {
    const target = await QemuTarget.attach(opts);
    this.target = target;
    this.views = new ViewPublisher(target, (e) => this.sendEvent(e), { name: opts.name, trace: this.trace, refreshIntervalMs: opts.refreshIntervalMs, invalidated: this.clientInvalidates });
    target.on((e) => this.onTargetEvent(e));
    this.sendEvent(new InitializedEvent());
    this.sendEvent(new OutputEvent(`${CONSOLE_HINT}\n`, 'console'));
    if (!target.gdb) this.sendEvent(new OutputEvent('No gdbstub configured: registers, guest memory, VT-d walks and ring contents are unavailable; QMP views still work.\n', 'console'));
    if (!target.running) {
      this.stopPages.stopped('entry');
      this.internals?.afterStop((text, category) => this.sendEvent(new OutputEvent(text, category)));
      const ev = new StoppedEvent('entry', 1) as DebugProtocol.StoppedEvent;
      ev.body.allThreadsStopped = true;
      this.sendEvent(ev);
      this.views.stateChanged('stopped', 'entry');
    } else this.views.stateChanged('running');
  }

  private onTargetEvent(e: TargetEvent): void {
    switch (e.kind) {
      case 'stopped': {
        this.tree.reset();
        this.internals?.reset();
        this.internals?.afterStop((text, category) => this.sendEvent(new OutputEvent(text, category)));
        this.stopPages.stopped(e.reason);
        const ev = new StoppedEvent(e.reason, e.threadId ?? 1) as DebugProtocol.StoppedEvent;
        ev.body.allThreadsStopped = true;
        this.sendEvent(ev);
        this.views?.stateChanged('stopped', e.reason);
        return;
      }
      case 'continued':
        this.tree.reset();
        this.internals?.reset();
        this.sendEvent(new ContinuedEvent(1, true));
        this.views?.stateChanged('running');
        return;
      case 'output':
        this.sendEvent(new OutputEvent(e.text, e.category));
        return;
      case 'exited':
        this.end(e.reason);
        return;
    }
  }

  /** End the session once, saying why. */
  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.views?.stateChanged('exited', reason);
    this.views?.dispose();
    void this.internals?.dispose();
    this.sendEvent(new OutputEvent(`${reason}\n`, 'important'));
    this.launched?.dispose();
    this.sendEvent(new TerminatedEvent());
  }

  private live(): QemuTarget {
    if (!this.target) throw new Error('not attached to QEMU yet');
    return this.target;
  }

  /** Run a request body; failures become an error response with the message shown to the user. */
  private async answer<R extends DebugProtocol.Response>(response: R, body: () => Promise<R['body'] | void>, showUser = true): Promise<void> {
    try {
      const b = await body();
      if (b !== undefined) response.body = b;
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: ERR, format: (e as Error).message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser });
    }
  }

  protected override async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    await this.answer(response, async () => ({ threads: await threadsOf(this.live()) }));
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    await this.answer(response, async () => {
      const frames = await stackOf(this.live(), args.threadId, this.stopPages);
      return { stackFrames: frames, totalFrames: frames.length };
    });
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    response.body = { content: this.stopPages.content(args.source?.sourceReference ?? args.sourceReference), mimeType: 'text/plain' };
    this.sendResponse(response);
  }

  protected override async scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): Promise<void> {
    await this.answer(response, async () => ({ scopes: this.tree.scopes(threadOfFrame(args.frameId)) }));
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.answer(response, async () => ({ variables: await this.tree.variables(args.variablesReference) }));
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    // A typo in the Debug Console is answered there (VS Code prints a failed evaluate as an error
    // line in the console); only showUser would also pop a notification.
    await this.answer(response, async () => ({ result: await evaluate(this.live(), args.expression, this.trace?.resolveSource), variablesReference: 0 }), args.context !== 'repl');
  }

  /** iovaLens/resolve: the live answer for the translation tree (src/shared/protocol/debugRequests.ts). */
  protected override async customRequest(command: string, response: DebugProtocol.Response, args: unknown): Promise<void> {
    if (command !== RESOLVE_REQUEST) return super.customRequest(command, response, args);
    await this.answer(response, async () => {
      const a = parseResolveArgs(args);
      return encodeResolveAnswer(await liveResolve(this.live(), a.space, BigInt(a.addr), a.device, this.trace?.resolveSource));
    });
  }

  protected override async readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): Promise<void> {
    await this.answer(response, () => readMemory(this.live(), args));
  }

  protected override async writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): Promise<void> {
    await this.answer(response, () => writeMemory(this.live(), args));
  }

  protected override async pauseRequest(response: DebugProtocol.PauseResponse): Promise<void> {
    // Respond first: the stopped event must follow the response.
    await this.answer(response, async () => undefined);
    await this.live().pause().catch((e: unknown) => this.sendEvent(new OutputEvent(`pause failed: ${(e as Error).message}\n`, 'stderr')));
  }

  protected override async continueRequest(response: DebugProtocol.ContinueResponse): Promise<void> {
    await this.answer(response, async () => {
      await this.live().cont();
      return { allThreadsContinued: true };
    });
  }

  // DAP's three steps are one instruction of the chosen vCPU: there are no source lines or
  // frames to step over or out of, so stepOut is the same single step.
  protected override async nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): Promise<void> {
    await this.instructionStep(response, args.threadId);
  }

  protected override async stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): Promise<void> {
    await this.instructionStep(response, args.threadId);
  }

  protected override async stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): Promise<void> {
    await this.instructionStep(response, args.threadId);
  }

  private async instructionStep(response: DebugProtocol.Response, threadId: number): Promise<void> {
    let started: { done: Promise<{ completed: boolean }> } | undefined;
    // The response goes out once the step is under way; the stopped event follows it.
    await this.answer(response, async () => {
      started = await this.live().step(threadId);
    });
    if (!started) return;
    try {
      const { completed } = await started.done;
      if (!completed) this.sendEvent(new OutputEvent(`vCPU ${threadId - 1} retired no instruction (halted, waiting for an interrupt); the VM was stopped instead\n`, 'console'));
    } catch (e) {
      this.sendEvent(new OutputEvent(`step of vCPU ${threadId - 1} failed: ${(e as Error).message}\n`, 'stderr'));
    }
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.answer(response, async () => {
      this.views?.dispose();
      await this.target?.quit();
      this.launched?.dispose();
    });
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments | undefined): Promise<void> {
    // attach: leave the guest running; launch: the VM is ours and goes with the session unless told otherwise.
    const kill = args?.terminateDebuggee ?? this.launched !== undefined;
    this.ended = true;
    this.views?.dispose();
    await this.internals?.dispose();
    try {
      if (kill) await this.target?.quit();
      else await this.target?.detach();
    } finally {
      if (kill) this.launched?.dispose();
      this.sendResponse(response);
      this.unguard();
      // Standalone: ends the adapter process; inline: nothing to do.
      this.shutdown();
    }
  }

  /** Inline sessions end here when VS Code drops them: no timer or connection may outlive it. */
  override dispose(): void {
    this.unguard();
    this.views?.dispose();
    void this.internals?.dispose();
    if (!this.ended) {
      this.ended = true;
      const closing = this.launched ? this.target?.quit() : this.target?.detach();
      closing?.catch(() => undefined);
      this.launched?.dispose();
    }
    super.dispose();
  }
}

/** The configuration's name (VS Code passes it with the arguments) for the view's title. */
function nameOf(raw: object): string {
  const n = (raw as { name?: unknown }).name;
  return typeof n === 'string' && n !== '' ? n : 'IOVA Lens';
}
