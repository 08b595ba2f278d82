// The host side of the large-trace worker: start it, send typed requests, get promises of their
// answers, progress callbacks and cancellation. Used by the extension, the bench and the tests.
import { Worker } from 'node:worker_threads';
import { parseWorkerResponse, type RequestType, type ResultOf, type WorkerRequest, type WorkerResponse } from '../shared/protocol/largeTrace.js';

type RequestBody<T extends RequestType> = T extends unknown ? Omit<Extract<WorkerRequest, { type: T }>, 'id'> : never;

export interface RequestOptions {
  onProgress?: (fraction: number, bytes: number, total: number) => void;
  /** aborting sends "cancel" for the request; the promise then rejects */
  signal?: AbortSignal;
}

export class WorkerRequestError extends Error {
  constructor(message: string, readonly cancelled: boolean) {
    super(message);
    this.name = cancelled ? 'AbortError' : 'WorkerRequestError';
  }
}

interface Pending {
  resolve: (r: WorkerResponse) => void;
  reject: (e: Error) => void;
  onProgress?: RequestOptions['onProgress'];
}

export class LargeTraceWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: unknown) => this.receive(m));
    worker.on('error', (e) => this.fail(new Error(`trace worker failed: ${e.message}`)));
    worker.on('exit', (code) => this.fail(new Error(`trace worker exited (code ${code})`)));
  }

  /**
   * Start the worker from its bundle (dist/largeTraceWorker.js).
   */
  static start(workerPath: string, execArgv: string[] = []): LargeTraceWorker {
    return new LargeTraceWorker(new Worker(workerPath, { execArgv }));
  }

  /** Drive a worker started some other way (e.g. TypeScript sources through a tsx bootstrap). */
  static attach(worker: Worker): LargeTraceWorker {
    return new LargeTraceWorker(worker);
  }

  request<B extends RequestBody<RequestType>>(body: B, opts: RequestOptions = {}): Promise<ResultOf[B['type']]> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise<ResultOf[B['type']]>((resolve, reject) => {
      const onAbort = () => this.worker.postMessage({ type: 'cancel', id: this.nextId++, target: id });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (r) => {
          opts.signal?.removeEventListener('abort', onAbort);
          resolve(r as ResultOf[B['type']]);
        },
        reject: (e) => {
          opts.signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        onProgress: opts.onProgress,
      });
      this.worker.postMessage({ ...body, id });
    });
  }

  private receive(msg: unknown): void {
    let r: WorkerResponse;
    try {
      r = parseWorkerResponse(msg);
    } catch (e) {
      // a garbled answer cannot be matched to its request; fail loudly rather than hang
      this.fail(new Error(`trace worker sent a bad message: ${(e as Error).message}`));
      void this.worker.terminate();
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    if (r.type === 'progress') {
      p.onProgress?.(r.fraction, r.bytes, r.total);
      return;
    }
    this.pending.delete(r.id);
    if (r.type === 'error') p.reject(new WorkerRequestError(r.message, r.cancelled === true));
    else p.resolve(r);
  }

  private fail(e: Error): void {
    if (this.stopped) return;
    this.stopped = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  async terminate(): Promise<void> {
    this.fail(new Error('trace worker terminated'));
    await this.worker.terminate();
  }
}
