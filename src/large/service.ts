// The worker's request handling, apart from the worker plumbing so tests can drive it directly:
// one trace per service, requests answered as soon as the line index is built (earlier ones wait
// for it; model requests also wait for the background replay to pass their line), long requests
// (open, replay, filter) report progress and stop on "cancel".
import { getHeapStatistics } from 'node:v8';
import { LargeTrace } from './largeTrace.js';
import { parseWorkerRequest, ProtocolError, type WorkerRequest, type WorkerResponse } from '../shared/protocol/largeTrace.js';

/** Progress is reported at most this often (fraction steps), so a fast disk does not flood the host. */
const PROGRESS_STEP = 0.01;

/** `p`, or an AbortError as soon as `signal` aborts. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class TraceService {
  private trace: LargeTrace | undefined;
  private opening: Promise<LargeTrace> | undefined;
  private readonly running = new Map<number, AbortController>();

  constructor(private readonly post: (m: WorkerResponse) => void) {}

  /** Handle one incoming message; answers (and errors) go out through `post`. */
  handle(msg: unknown): void {
    let req: WorkerRequest;
    try {
      req = parseWorkerRequest(msg);
    } catch (e) {
      const id = typeof msg === 'object' && msg !== null && Number.isInteger((msg as { id?: unknown }).id) ? ((msg as { id: number }).id) : -1;
      this.post({ type: 'error', id, message: (e as Error).message });
      return;
    }
    this.run(req).catch((e: unknown) => {
      const cancelled = e instanceof Error && e.name === 'AbortError';
      this.post({ type: 'error', id: req.id, message: cancelled ? `request ${req.id} (${req.type}) was cancelled` : (e as Error).message ?? String(e), ...(cancelled ? { cancelled } : {}) });
    });
  }

  private progress(id: number): (bytes: number, total: number) => void {
    let last = -1;
    return (bytes, total) => {
      const fraction = total > 0 ? Math.min(1, bytes / total) : 1;
      if (fraction === last || (fraction - last < PROGRESS_STEP && fraction < 1)) return;
      last = fraction;
      this.post({ type: 'progress', id, fraction, bytes, total });
    };
  }

  private async ready(): Promise<LargeTrace> {
    if (this.trace) return this.trace;
    if (this.opening) return this.opening;
    throw new ProtocolError('', 'no trace is open in this worker (send "open" first)');
  }

  private async withCancel<T>(id: number, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    this.running.set(id, ac);
    try {
      return await body(ac.signal);
    } finally {
      this.running.delete(id);
    }
  }

  private async run(req: WorkerRequest): Promise<void> {
    const id = req.id;
    switch (req.type) {
      case 'open': {
        if (this.trace || this.opening) throw new ProtocolError('', `this worker already has a trace open; start another worker for ${req.path}`);
        const opening = this.withCancel(id, (signal) =>
          LargeTrace.openIndex(req.path, { stride: req.stride, traceEvents: req.traceEvents, uri: req.uri, signal, onProgress: this.progress(id) }),
        );
        this.opening = opening;
        try {
          this.trace = await opening;
        } finally {
          this.opening = undefined;
        }
        this.post({ type: 'opened', id, summary: this.trace.summary });
        return;
      }
      case 'cancel':
        this.running.get(req.target)?.abort();
        this.post({ type: 'done', id });
        return;
      case 'stats': {
        const heap = getHeapStatistics();
        this.post({ type: 'stats', id, maxRssKiB: process.resourceUsage().maxRSS, rssBytes: process.memoryUsage.rss(), heapUsedBytes: heap.used_heap_size });
        return;
      }
      case 'replay': {
        const t = await this.ready();
        const report = this.progress(id);
        const off = t.onReplayProgress((p) => report(p.bytes, p.total));
        try {
          // cancelling this request stops the waiting, not the replay (other requests need it)
          const summary = await this.withCancel(id, (signal) => abortable(t.replayDone(), signal));
          this.post({ type: 'replayed', id, summary });
        } finally {
          off();
        }
        return;
      }
      case 'close':
        for (const ac of this.running.values()) ac.abort();
        await this.trace?.close();
        this.trace = undefined;
        this.post({ type: 'done', id });
        return;
    }
    const t = await this.ready();
    switch (req.type) {
      case 'lines':
        this.post({ type: 'lines', id, lines: await t.lines(req.from, req.count) });
        return;
      case 'linesAt':
        this.post({ type: 'lines', id, lines: await t.linesAt(req.lines) });
        return;
      case 'hover':
        this.post({ type: 'hover', id, hover: await t.hover(req.line, req.column) });
        return;
      case 'definition':
        this.post({ type: 'definition', id, lines: await t.definition(req.line, req.column) });
        return;
      case 'diagnostics':
        this.post({ type: 'diagnostics', id, items: await t.diagnosticsWhenReplayed(req.from, req.to) });
        return;
      case 'stateAt':
        this.post({ type: 'stateAt', id, state: await t.stateAtWire(req.line) });
        return;
      case 'resolve': {
        const { type: _t, id: _i, ...params } = req;
        this.post({ type: 'resolve', id, result: await t.resolveWire(params) });
        return;
      }
      case 'filter': {
        const result = await this.withCancel(id, (signal) => t.filter(req.criteria, { limit: req.limit, signal, onProgress: this.progress(id) }));
        this.post({ type: 'filter', id, result });
        return;
      }
    }
  }
}
