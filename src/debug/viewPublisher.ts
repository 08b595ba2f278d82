// Sends the custom events of src/shared/debugEvents.ts: the translation view after each stop and
// each periodic refresh, and the run state. A view is dropped when the VM changed state while
// its snapshot was taken (a view of a stop must not arrive after the continue).
import { randomUUID } from 'node:crypto';
import { Event, InvalidatedEvent, OutputEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { STATUS_EVENT, VIEW_EVENT, type RunState, type StatusEventBody, type ViewEventBody } from '../shared/protocol/debugEvents.js';
import type { AttachedTrace } from './attachedTrace.js';
import { buildLiveView } from './liveView.js';
import { PeriodicRefresh } from './periodicRefresh.js';
import type { QemuTarget } from './target.js';

export interface PublisherOptions {
  name: string;
  trace: AttachedTrace | undefined;
  refreshIntervalMs: number;
  /** the client said it understands `invalidated` (initialize's supportsInvalidatedEvent) */
  invalidated: boolean;
}

export class ViewPublisher {
  readonly sessionId = randomUUID();
  private generation = 0;
  private refresh: PeriodicRefresh | undefined;
  private lastRefreshError: string | undefined;

  constructor(
    private readonly target: QemuTarget,
    private readonly send: (e: DebugProtocol.Event) => void,
    private readonly opts: PublisherOptions,
  ) {
    if (opts.refreshIntervalMs > 0) this.refresh = new PeriodicRefresh(opts.refreshIntervalMs, () => this.refreshTick());
  }

  /** The run state changed: say so, and either show this stop's view or start refreshing. */
  stateChanged(state: RunState, reason?: string): void {
    this.generation++;
    const body: StatusEventBody = reason !== undefined ? { state, reason } : { state };
    this.send(new Event(STATUS_EVENT, body));
    if (state === 'running') this.refresh?.start();
    else this.refresh?.stop();
    if (state === 'stopped') void this.publish(reason ?? 'stopped');
  }

  dispose(): void {
    this.generation++;
    this.refresh?.stop();
  }

  /** Take the view of this stop and send it; failures are said once on the console. */
  private async publish(stoppedAt: string): Promise<void> {
    const gen = this.generation;
    try {
      // the call stack and registers first: they are what VS Code shows at once after a stop
      await this.target.prefetchRegisters().catch(() => undefined);
      if (gen !== this.generation) return;
      const view = buildLiveView(await this.target.snapshot(), { sessionId: this.sessionId, name: this.opts.name, stoppedAt, ...(this.opts.trace ? { trace: this.opts.trace } : {}) });
      if (gen !== this.generation) return;
      this.send(new Event(VIEW_EVENT, { view } satisfies ViewEventBody));
    } catch (e) {
      if (gen === this.generation && !this.target.exited) this.send(new OutputEvent(`translation view of this stop: ${(e as Error).message}\n`, 'console'));
    }
  }

  // While running the snapshot is QMP-only (QemuTarget.snapshot never touches the gdbstub then).
  private async refreshTick(): Promise<void> {
    const gen = this.generation;
    if (!this.target.running) return;
    try {
      const view = buildLiveView(await this.target.snapshot(), { sessionId: this.sessionId, name: this.opts.name, ...(this.opts.trace ? { trace: this.opts.trace } : {}) });
      if (gen !== this.generation) return;
      this.lastRefreshError = undefined;
      this.send(new Event(VIEW_EVENT, { view } satisfies ViewEventBody));
      if (this.opts.invalidated) this.send(new InvalidatedEvent(['variables']));
    } catch (e) {
      const msg = (e as Error).message;
      if (gen !== this.generation || this.target.exited || msg === this.lastRefreshError) return;
      this.lastRefreshError = msg;
      this.send(new OutputEvent(`periodic refresh: ${msg}\n`, 'console'));
    }
  }
}
