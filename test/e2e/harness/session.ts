// One end-to-end session: the packaged .vsix, a scratch workspace of the samples, optionally a real
// QEMU guest (booted while code-server starts, written into launch.json as an attach config), and
// the workbench open in Chromium. Every E2E suite starts and ends the same way through this.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireCodeServer, startCodeServer, type CodeServer } from './codeServer.js';
import { packageVsix } from './vsix.js';
import { makeWorkspace, writeAttachConfig } from './workspace.js';
import { Workbench } from './workbench.js';
import { startGuest, type Guest } from '../../harness/guest.js';

export interface SessionOptions {
  /** Prefix of the scratch directory under the system temp dir. */
  name: string;
  /** Where screenshots go. */
  artifacts: string;
  /** Called on the fresh workspace before code-server opens it (extra files, settings). */
  prepare?: (workspace: string) => void;
  /** Test-only extensions to install beside IOVA Lens: called with a scratch dir, returns .vsix paths. */
  extensions?: (scratch: string) => string[];
  /** Boot a real QEMU guest and write an attach configuration of this name for it. */
  attachName?: string;
}

export interface E2eSession {
  readonly tmp: string;
  readonly vsix: string;
  readonly workspace: string;
  readonly wb: Workbench;
  /** The guest, once booted; rejects with the reason it did not start (the attach tests report it). */
  readonly guest: Promise<Guest>;
  /** Milliseconds from the start until each phase ended. */
  readonly timings: Record<string, number>;
  dispose(): Promise<void>;
}

const ROOT = join(__dirname, '../../..');

export async function openSession(opts: SessionOptions): Promise<E2eSession> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  requireCodeServer();
  const tmp = mkdtempSync(join(tmpdir(), `iova-lens-e2e-${opts.name}-`));
  let workspace: string | undefined;
  let server: CodeServer | undefined;
  let booted: Guest | undefined;
  let wb: Workbench | undefined;
  const dispose = async (): Promise<void> => {
    await wb?.close().catch(() => undefined);
    await server?.dispose();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
    await booted?.dispose();
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    mkdirSync(join(tmp, 'stage'));
    const vsix = packageVsix(ROOT, join(tmp, 'stage'), tmp);
    timings.vsix = performance.now() - t0;
    const ws = (workspace = makeWorkspace(ROOT));
    opts.prepare?.(ws);
    // the guest boots while the workbench loads; launch.json is read when the workbench opens the folder
    const attachName = opts.attachName;
    const guest: Promise<Guest> = attachName
      ? startGuest().then((g) => {
          booted = g;
          writeAttachConfig(ws, attachName, `unix:${g.qmpPath}`, `127.0.0.1:${g.gdbPort}`);
          return g;
        })
      : Promise.reject(new Error('this E2E session has no guest'));
    guest.catch(() => undefined);
    const extraVsix = opts.extensions?.(tmp) ?? [];
    server = await startCodeServer({ vsix, workspace: ws, extraVsix });
    timings.codeServer = performance.now() - t0;
    await guest.catch(() => undefined);
    timings.guest = performance.now() - t0;
    wb = await Workbench.open(server.url, opts.artifacts);
    timings.workbench = performance.now() - t0;
    return { tmp, vsix, workspace: ws, wb, guest, timings, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
