// The DAP session: translates requests to QemuTarget calls and target events to DAP events.
// It holds no QEMU knowledge of its own; request groups live in threadsAndStack.ts,
// variables.ts, memory.ts and evaluate.ts. Used inline by the extension and standalone by
// debugAdapter.ts.
import { ContinuedEvent, DebugSession, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { checkArgs, type AttachArgs, type LaunchArgs } from './args.js';
import { evaluate } from './evaluate.js';
import { readMemory, writeMemory } from './memory.js';
import { launchQemu, type LaunchedQemu } from './qemuProcess.js';
import { QemuTarget, type TargetEvent } from './target.js';
import { stackOf, threadOfFrame, threadsOf } from './threadsAndStack.js';
import { VariableTree } from './variables.js';

type AttachRequestArgs = DebugProtocol.AttachRequestArguments & AttachArgs;
type LaunchRequestArgs = DebugProtocol.LaunchRequestArguments & LaunchArgs;

const ERR = 3000;

export class IovaLensSession extends DebugSession {
  private target: QemuTarget | undefined;
  private launched: LaunchedQemu | undefined;
  private readonly tree = new VariableTree(() => this.live());
  private ended = false;

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsEvaluateForHovers: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsTerminateRequest: true,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override async attachRequest(response: DebugProtocol.AttachResponse, raw: AttachRequestArgs): Promise<void> {
    await this.answer(response, async () => {
      const args = checkArgs('attach', raw);
      await this.connect({ qmp: args.qmp, gdb: args.gdb, allowMemoryWrite: args.allowMemoryWrite });
    });
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, raw: LaunchRequestArgs): Promise<void> {
    await this.answer(response, async () => {
      const args = checkArgs('launch', raw);
      const q = await launchQemu(args, (text, category) => this.sendEvent(new OutputEvent(text, category)));
      this.launched = q;
      q.child.once('exit', (code, signal) => {
        const why = `QEMU exited (${signal ?? `code ${code}`})${q.stderrTail() ? `: ${q.stderrTail()}` : ''}`;
        if (this.target) this.target.markExited(why);
        else this.end(why);
      });
      try {
        await this.connect({ qmp: q.qmp, gdb: q.gdb, allowMemoryWrite: args.allowMemoryWrite });
      } catch (e) {
        q.dispose();
        throw e;
      }
    });
  }

  private async connect(opts: { qmp: string; gdb: string | undefined; allowMemoryWrite: boolean | undefined }): Promise<void> {
    const target = await QemuTarget.attach(opts);
    this.target = target;
    target.on((e) => this.onTargetEvent(e));
    if (!target.gdb) this.sendEvent(new OutputEvent('No gdbstub configured: registers, guest memory, VT-d walks and ring contents are unavailable; QMP views still work.\n', 'console'));
    if (!target.running) this.sendEvent(new StoppedEvent('entry', 1));
  }

  private onTargetEvent(e: TargetEvent): void {
    switch (e.kind) {
      case 'stopped': {
        this.tree.reset();
        const ev = new StoppedEvent(e.reason, e.threadId ?? 1) as DebugProtocol.StoppedEvent;
        ev.body.allThreadsStopped = true;
        this.sendEvent(ev);
        return;
      }
      case 'continued':
        this.tree.reset();
        this.sendEvent(new ContinuedEvent(1, true));
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
    this.sendEvent(new OutputEvent(`${reason}\n`, 'important'));
    this.launched?.dispose();
    this.sendEvent(new TerminatedEvent());
  }

  private live(): QemuTarget {
    if (!this.target) throw new Error('not attached to QEMU yet');
    return this.target;
  }

  /** Run a request body; failures become an error response with the message shown to the user. */
  private async answer<R extends DebugProtocol.Response>(response: R, body: () => Promise<R['body'] | void>): Promise<void> {
    try {
      const b = await body();
      if (b !== undefined) response.body = b;
      this.sendResponse(response);
    } catch (e) {
      this.sendErrorResponse(response, { id: ERR, format: (e as Error).message.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')), showUser: true });
    }
  }

  protected override async threadsRequest(response: DebugProtocol.ThreadsResponse): Promise<void> {
    await this.answer(response, async () => ({ threads: await threadsOf(this.live()) }));
  }

  protected override async stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): Promise<void> {
    await this.answer(response, async () => {
      const frames = await stackOf(this.live(), args.threadId);
      return { stackFrames: frames, totalFrames: frames.length };
    });
  }

  protected override async scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): Promise<void> {
    await this.answer(response, async () => ({ scopes: this.tree.scopes(threadOfFrame(args.frameId)) }));
  }

  protected override async variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): Promise<void> {
    await this.answer(response, async () => ({ variables: await this.tree.variables(args.variablesReference) }));
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    await this.answer(response, async () => ({ result: await evaluate(this.live(), args.expression), variablesReference: 0 }));
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

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.answer(response, async () => {
      await this.target?.quit();
      this.launched?.dispose();
    });
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse, args: DebugProtocol.DisconnectArguments | undefined): Promise<void> {
    // attach: leave the guest running; launch: the VM is ours and goes with the session unless told otherwise.
    const kill = args?.terminateDebuggee ?? this.launched !== undefined;
    this.ended = true;
    try {
      if (kill) await this.target?.quit();
      else await this.target?.detach();
    } finally {
      if (kill) this.launched?.dispose();
      this.sendResponse(response);
      // Standalone: ends the adapter process; inline: nothing to do.
      this.shutdown();
    }
  }
}
