// `launch`: start QEMU ourselves with QMP on a socket in a private temp directory and the gdbstub
// on a free loopback port. Arguments go to QEMU as an array (never through a shell), so a path
// with spaces or quotes in the user's configuration stays one argument.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchArgs } from './args.js';
import { freeLoopbackPort } from '../qemu/endpoint.js';

export interface LaunchedQemu {
  child: ChildProcess;
  qmp: string;
  gdb: string;
  /** Last lines QEMU wrote to stderr (for exit messages). */
  stderrTail(): string;
  /** Kill QEMU if still running and remove the private directory. */
  dispose(): void;
}

const STDERR_KEEP = 4096;

export async function launchQemu(args: LaunchArgs, onOutput: (text: string, category: 'stdout' | 'stderr') => void, waitMs = 10_000): Promise<LaunchedQemu> {
  // mkdtemp makes the directory 0700: nobody else can reach the QMP socket.
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-'));
  const qmpPath = join(dir, 'qmp.sock');
  const port = await freeLoopbackPort();
  const argv = [...args.args, '-qmp', `unix:${qmpPath},server=on,wait=off`, '-gdb', `tcp:127.0.0.1:${port}`];
  let tail = '';
  const child = spawn(args.qemu, argv, {
    cwd: args.cwd,
    env: { ...process.env, ...(args.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: false,
  });
  child.stdout?.on('data', (d: Buffer) => onOutput(d.toString('utf8'), 'stdout'));
  child.stderr?.on('data', (d: Buffer) => {
    const s = d.toString('utf8');
    tail = (tail + s).slice(-STDERR_KEEP);
    onOutput(s, 'stderr');
  });
  const dispose = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const launched: LaunchedQemu = { child, qmp: `unix:${qmpPath}`, gdb: `tcp:127.0.0.1:${port}`, stderrTail: () => tail.trim(), dispose };
  try {
    await waitForSocket(child, qmpPath, args.qemu, waitMs, () => tail.trim());
  } catch (e) {
    dispose();
    throw e;
  }
  return launched;
}

// QEMU creates the QMP socket during start-up; polling for it is the only portable signal.
function waitForSocket(child: ChildProcess, path: string, qemu: string, ms: number, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const onError = (e: NodeJS.ErrnoException): void => {
      finish();
      reject(new Error(`cannot start QEMU ${JSON.stringify(qemu)}: ${e.code === 'ENOENT' ? 'no such executable' : e.message}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish();
      reject(new Error(`QEMU exited during start-up (${signal ?? `code ${code}`})${stderr() ? `: ${stderr()}` : ''}`));
    };
    const timer = setInterval(() => {
      if (existsSync(path)) {
        finish();
        resolve();
      } else if (Date.now() - t0 > ms) {
        finish();
        reject(new Error(`QEMU did not create its QMP socket ${path} within ${ms} ms`));
      }
    }, 25);
    const finish = (): void => {
      clearInterval(timer);
      child.off('error', onError);
      child.off('exit', onExit);
    };
    child.once('error', onError);
    child.once('exit', onExit);
  });
}
