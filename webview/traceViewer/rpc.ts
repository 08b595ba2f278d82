// Requests from the viewer to the extension (which forwards them to the trace worker): ids,
// promises, progress callbacks. The viewer trusts only messages whose type it knows.
import type { HostMessage, ResultOf, ViewerRequest, WorkerResponse } from '../../src/shared/protocol/largeTrace.js';

type ViewerType = ViewerRequest['type'];
type Body<T extends ViewerType> = T extends unknown ? Omit<Extract<ViewerRequest, { type: T }>, 'id'> : never;

export interface HostApi {
  postMessage(msg: unknown): void;
}

interface Pending {
  resolve: (r: WorkerResponse) => void;
  reject: (e: Error) => void;
  onProgress?: (fraction: number) => void;
}

export class Rpc {
  private next = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly host: HostApi) {}

  request<B extends Body<ViewerType>>(body: B, onProgress?: (fraction: number) => void): { id: number; done: Promise<ResultOf[B['type']]> } {
    const id = this.next++;
    const done = new Promise<ResultOf[B['type']]>((resolve, reject) => {
      this.pending.set(id, { resolve: (r) => resolve(r as ResultOf[B['type']]), reject, onProgress });
    });
    this.host.postMessage({ ...body, id });
    return { id, done };
  }

  cancel(target: number): void {
    this.host.postMessage({ type: 'cancel', id: this.next++, target });
  }

  /** A message from the extension; true when it answered one of our requests. */
  receive(m: HostMessage): boolean {
    if (!('id' in m) || typeof m.id !== 'number') return false;
    const p = this.pending.get(m.id);
    if (!p) return false;
    if (m.type === 'progress') {
      p.onProgress?.(m.fraction);
      return true;
    }
    this.pending.delete(m.id);
    if (m.type === 'error') p.reject(Object.assign(new Error(m.message), { cancelled: m.cancelled === true }));
    else p.resolve(m);
    return true;
  }
}
