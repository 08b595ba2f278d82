// `launch`: start QEMU ourselves with QMP on a socket in a private temp directory and the gdbstub
// on a free loopback port. Arguments go to QEMU as an array (never interpreted by a shell), so a
// path with spaces or quotes in the user's configuration stays one argument. With
// "qemuInternals" QEMU runs as the inferior of a headless gdb (src/qemu/internals/qemuUnderGdb.ts):
// its parent is then a tracer already, so QEMU's own state can be read at every stop whatever
// kernel.yama.ptrace_scope says.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchArgs } from './args.js';
import { freeLoopbackPort } from '../qemu/endpoint.js';
import { QemuUnderGdb } from '../qemu/internals/qemuUnderGdb.js';

export type ExitListener = (code: number | null, signal: string | null) => void;

export interface LaunchedQemu {
  pid: number;
  qmp: string;
  gdb: string;
  /** QEMU under IOVA Lens's own gdb (launch with "qemuInternals") */
  underGdb: QemuUnderGdb | undefined;
  /** Last lines QEMU wrote to stderr (for exit messages). */
  stderrTail(): string;
  /** Called once when QEMU's process ends. */
  onExit(listener: ExitListener): void;
  /** Kill QEMU if still running and remove the private directory. */
  dispose(): void;
}

const STDERR_KEEP = 4096;

interface Started {
  pid: number;
  underGdb: QemuUnderGdb | undefined;
  onExit(listener: ExitListener): void;
  exited(): boolean;
  kill(): void;
}

export async function launchQemu(args: LaunchArgs, onOutput: (text: string, category: 'stdout' | 'stderr') => void, waitMs = 10_000): Promise<LaunchedQemu> {
  // mkdtemp makes the directory 0700: nobody else can reach the QMP socket.
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-'));
  const qmpPath = join(dir, 'qmp.sock');
  const port = await freeLoopbackPort();
  const argv = [...args.args, '-qmp', `unix:${qmpPath},server=on,wait=off`, '-gdb', `tcp:127.0.0.1:${port}`];
  let tail = '';
  const output = (s: string, stream: 'stdout' | 'stderr'): void => {
    if (stream === 'stderr') tail = (tail + s).slice(-STDERR_KEEP);
    onOutput(s, stream);
  };
  let started: Started;
  try {
    started = args.qemuInternals ? await startUnderGdb(args, argv, output, waitMs) : await startDirect(args, argv, output);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const dispose = (): void => {
    if (!started.exited()) started.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  const launched: LaunchedQemu = { pid: started.pid, qmp: `unix:${qmpPath}`, gdb: `tcp:127.0.0.1:${port}`, underGdb: started.underGdb, stderrTail: () => tail.trim(), onExit: (l) => started.onExit(l), dispose };
  try {
    await waitForSocket(started, qmpPath, waitMs, () => tail.trim());
  } catch (e) {
    dispose();
    throw e;
  }
  return launched;
}

async function startDirect(args: LaunchArgs, argv: string[], output: (s: string, stream: 'stdout' | 'stderr') => void): Promise<Started> {
  const child = spawn(args.qemu, argv, { cwd: args.cwd, env: { ...process.env, ...(args.env ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
  child.stdout.on('data', (d: Buffer) => output(d.toString('utf8'), 'stdout'));
  child.stderr.on('data', (d: Buffer) => output(d.toString('utf8'), 'stderr'));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot start QEMU ${JSON.stringify(args.qemu)}: ${e.code === 'ENOENT' ? 'no such executable' : e.message}`)));
  });
  return {
    pid: child.pid!,
    underGdb: undefined,
    onExit: (l) => {
      if (child.exitCode !== null || child.signalCode !== null) l(child.exitCode, child.signalCode);
      else child.once('exit', (code, signal) => l(code, signal));
    },
    exited: () => child.exitCode !== null || child.signalCode !== null,
    kill: () => child.kill('SIGKILL'),
  };
}

async function startUnderGdb(args: LaunchArgs, argv: string[], output: (s: string, stream: 'stdout' | 'stderr') => void, waitMs: number): Promise<Started> {
  const q = await QemuUnderGdb.start({ qemu: args.qemu, args: argv, cwd: args.cwd, env: args.env, onOutput: output, timeoutMs: waitMs });
  return { pid: q.pid, underGdb: q, onExit: (l) => q.onExit((e) => l(e.code, e.signal)), exited: () => q.hasExited, kill: () => q.kill() };
}

// QEMU creates the QMP socket during start-up; polling for it is the only portable signal.
function waitForSocket(q: Started, path: string, ms: number, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let done = false;
    const finish = (): void => {
      done = true;
      clearInterval(timer);
    };
    q.onExit((code, signal) => {
      if (done) return;
      finish();
      // the pipes may still hold QEMU's last words: give them one turn of the event loop
      setImmediate(() => reject(new Error(`QEMU exited during start-up (${signal ?? `code ${code}`})${stderr() ? `: ${stderr()}` : ''}`)));
    });
    const timer = setInterval(() => {
      if (existsSync(path)) {
        finish();
        resolve();
      } else if (Date.now() - t0 > ms) {
        finish();
        reject(new Error(`QEMU did not create its QMP socket ${path} within ${ms} ms`));
      }
    }, 25);
  });
}
