// One snapshot's view of the two peers: the QMP monitor and (maybe) the gdbstub, with round trips
// counted and guest pages cached, so a ring read twice or a table page shared by several walks
// costs one read. A lost connection is remembered: the snapshot fails with it instead of
// quietly turning every later read into a "cannot read" null.
import { hex } from '../../model/u64.js';
import { GUEST_PAGE } from '../../model/viommu/guestPages.js';
import { ConnectionLostError, TimeoutError } from '../errors.js';
import type { GdbClient } from '../gdb/gdbClient.js';
import { QmpClient } from '../qmp/qmpClient.js';
import { QemuMonitor } from '../qmp/qemuMonitor.js';
import type { SnapshotCounts } from './types.js';

const PAGE_MASK = ~0xfffn;

export class GuestReadError extends Error {
  constructor(readonly gpa: bigint, why: string) {
    super(`guest-physical ${hex(gpa)}: ${why}`);
    this.name = 'GuestReadError';
  }
}

/** Undo an instance override: drop it when the method came from the prototype. */
function putBack<T extends object, K extends keyof T>(obj: T, key: K, original: T[K]): () => void {
  const own = Object.prototype.hasOwnProperty.call(obj, key);
  return () => {
    if (own) obj[key] = original;
    else Reflect.deleteProperty(obj, key);
  };
}

const isFatal = (e: unknown): e is Error => e instanceof ConnectionLostError || e instanceof TimeoutError;

export class LiveSession {
  readonly counts: SnapshotCounts = { qmp: 0, gdb: 0, pages: 0 };
  readonly monitor: QemuMonitor;
  /** The first connection failure seen on either peer. */
  fatal: Error | undefined;
  private readonly pages = new Map<bigint, Promise<Uint8Array>>();
  private readonly restore: (() => void)[] = [];

  constructor(qmp: QmpClient | QemuMonitor, readonly gdb: GdbClient | undefined) {
    this.monitor = qmp instanceof QemuMonitor ? qmp : new QemuMonitor(qmp);
    this.countCalls();
  }

  // The clients have no counters of their own; wrapping their one entry point on the instance
  // counts every packet, including the ones GdbMemory splits a read into. Undone by close().
  private countCalls(): void {
    const q = this.monitor.qmp;
    const execute = q.execute;
    this.restore.push(putBack(q, 'execute', execute));
    q.execute = (...a: Parameters<QmpClient['execute']>) => {
      this.counts.qmp++;
      return execute.apply(q, a).catch((e: unknown) => {
        if (isFatal(e)) this.fatal ??= e;
        throw e;
      });
    };
    const g = this.gdb;
    if (g) {
      const request = g.request;
      this.restore.push(putBack(g, 'request', request));
      g.request = (...a: Parameters<GdbClient['request']>) => {
        this.counts.gdb++;
        return request.apply(g, a).catch((e: unknown) => {
          if (isFatal(e)) this.fatal ??= e;
          throw e;
        });
      };
    }
  }

  /** Stop counting; the clients are left as they were given. */
  close(): void {
    for (const r of this.restore.splice(0)) r();
  }

  /** Throw the connection failure, if one happened, so callers stop early with a clear error. */
  checkAlive(): void {
    if (this.fatal) throw this.fatal;
  }

  /**
   * Read guest-physical bytes through page-sized, cached gdbstub reads. Must run inside
   * `gdb.memory.physical()` (takeSnapshot wraps the whole snapshot in one section).
   */
  async readGpa(gpa: bigint, len: number): Promise<Uint8Array> {
    if (!this.gdb) throw new GuestReadError(gpa, 'no gdbstub: guest memory cannot be read');
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = gpa + BigInt(done);
      const page = await this.page(at & PAGE_MASK);
      const off = Number(at & 0xfffn);
      const n = Math.min(len - done, GUEST_PAGE - off);
      out.set(page.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  /** GpaReader for the VT-d walker, sharing the page cache. */
  readonly reader = (gpa: bigint, len: number): Promise<Uint8Array> => this.readGpa(gpa, len);

  private page(pageGpa: bigint): Promise<Uint8Array> {
    let p = this.pages.get(pageGpa);
    if (!p) {
      const gdb = this.gdb!;
      p = gdb.memory.read(pageGpa, GUEST_PAGE).then(
        (bytes) => {
          this.counts.pages++;
          return bytes;
        },
        (e: unknown) => {
          if (isFatal(e) || gdb.closed) {
            this.fatal ??= e instanceof Error ? e : new Error(String(e));
            throw this.fatal;
          }
          throw new GuestReadError(pageGpa, e instanceof Error ? e.message : String(e));
        },
      );
      // A failed page stays failed for this snapshot; nobody waits on it unobserved.
      p.catch(() => undefined);
      this.pages.set(pageGpa, p);
    }
    return p;
  }
}
