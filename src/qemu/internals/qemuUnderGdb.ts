// QEMU started as the inferior of a headless gdb that IOVA Lens runs (debug `launch` with
// "qemuInternals"): gdb is QEMU's parent, so ptrace is allowed whatever kernel.yama.ptrace_scope
// says, and no attach is needed for a read. gdb passes every signal to QEMU without stopping
// (QEMU's own SIGUSR1/SIGCHLD/SIGPIPE… must not freeze it) except SIGINT, which IOVA Lens sends
// to QEMU's process to stop it for a read; gdb does not pass that one on, and `-exec-continue`
// lets QEMU run again.
//
// QEMU's arguments reach it unchanged: gdb starts the inferior through /bin/sh (`exec QEMU
// ARGS`), and each argument is single-quoted here, so the shell expands nothing. The same shell
// line sends QEMU's stdout and stderr to two pipes of its own (fds 3 and 4 of gdb, inherited) and
// its stdin to /dev/null, so QEMU's output never mixes with gdb's MI.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { GdbMi, type GdbMiOptions } from './mi/gdbMi.js';
import { miQuote, type MiTuple } from './mi/miProtocol.js';
import { GdbMiError } from './errors.js';
import { GdbQemuMemory } from './gdbQemuMemory.js';

export interface QemuUnderGdbOptions {
  qemu: string;
  args: readonly string[];
  cwd?: string | undefined;
  /** added to IOVA Lens's own environment for QEMU */
  env?: Record<string, string> | undefined;
  onOutput(text: string, stream: 'stdout' | 'stderr'): void;
  gdb?: GdbMiOptions['gdb'];
  /** ms to wait for gdb to start QEMU or to stop it (default 10000) */
  timeoutMs?: number;
}

export type QemuExit = { code: number | null; signal: string | null };

/** One shell word that the shell takes literally: '…' with each ' written as '\''. */
export const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The executable as the shell would find it, or undefined (the launch error names it). */
export function findExecutable(name: string, cwd: string | undefined, path = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [isAbsolute(name) ? name : resolve(cwd ?? process.cwd(), name)] : path.split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      if (!statSync(c).isFile()) continue;
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not there or not executable: the next one
    }
  }
  return undefined;
}

export class QemuUnderGdb {
  private stopped = false;
  private exit: QemuExit | undefined;
  private readonly exitListeners = new Set<(e: QemuExit) => void>();
  private stopWaiters: (() => void)[] = [];
  private memory: Promise<GdbQemuMemory> | undefined;

  private constructor(
    readonly mi: GdbMi,
    readonly pid: number,
    readonly exe: string,
    private readonly timeoutMs: number,
  ) {}

  /** Start gdb, then QEMU under it; resolves once QEMU's process exists (it runs from then on). */
  static async start(opts: QemuUnderGdbOptions): Promise<QemuUnderGdb> {
    const exe = findExecutable(opts.qemu, opts.cwd);
    if (!exe) throw new Error(`cannot start QEMU ${JSON.stringify(opts.qemu)}: no such executable`);
    const bad = opts.args.find((a) => /[\n\r\0]/.test(a));
    if (bad !== undefined) throw new Error(`cannot start QEMU under gdb: the argument ${JSON.stringify(bad)} holds a line break or NUL, which gdb's command line cannot carry`);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const userEnv = { ...process.env, ...(opts.env ?? {}) };
    // gdb runs the inferior through $SHELL: make it the POSIX shell whose quoting we use
    const mi = await GdbMi.start(exe, { ...(opts.gdb !== undefined ? { gdb: opts.gdb } : {}), timeoutMs, env: { ...userEnv, SHELL: '/bin/sh' }, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}), extraPipes: 2 });
    try {
      for (const [fd, stream] of [[3, 'stdout'], [4, 'stderr']] as const) {
        const p = mi.pipe(fd);
        p?.setEncoding('utf8');
        p?.on('data', (s: string) => opts.onOutput(s, stream));
      }
      const started = new Promise<number>((resolvePid, reject) => {
        const off = mi.onExec((cls, r) => {
          if (cls === 'thread-group-started' && typeof r.pid === 'string') {
            off();
            resolvePid(Number(r.pid));
          }
        });
        mi.onExit((why) => reject(new GdbMiError(`gdb ended before QEMU started: ${why}`)));
      });
      // QEMU gets the user's environment, not the two variables gdb itself needs
      const restore = (name: string): string => (userEnv[name] !== undefined ? `set environment ${name}=${userEnv[name]}` : `unset environment ${name}`);
      await Promise.all([
        // gdb keeps answering while QEMU runs (type layouts need no stop)
        mi.command('-gdb-set mi-async on'),
        mi.command('-gdb-set disable-randomization off'),
        mi.command('-gdb-set startup-with-shell on'),
        mi.command('-gdb-set print thread-events off'),
        mi.command('-gdb-set print inferior-events off'),
        mi.command(`-interpreter-exec console ${miQuote('handle all nostop noprint pass')}`),
        mi.command(`-interpreter-exec console ${miQuote('handle SIGINT stop print nopass')}`),
        mi.command(`-interpreter-exec console ${miQuote(restore('SHELL'))}`),
        mi.command(`-interpreter-exec console ${miQuote(restore('LC_ALL'))}`),
        mi.command(`-exec-arguments ${opts.args.map(shellWord).join(' ')} </dev/null 1>&3 2>&4 3>&- 4>&-`),
      ]);
      const running = mi.command('-exec-run', timeoutMs);
      const pid = await Promise.race([started, running.then(() => started)]);
      const q = new QemuUnderGdb(mi, pid, exe, timeoutMs);
      q.listen();
      return q;
    } catch (e) {
      mi.kill('QEMU did not start under gdb');
      throw e;
    }
  }

  private listen(): void {
    this.mi.onExec((cls, r) => {
      if (cls === 'running') this.stopped = false;
      if (cls !== 'stopped') return;
      const reason = typeof r.reason === 'string' ? r.reason : '';
      if (reason.startsWith('exited')) return this.exited(exitOf(reason, r));
      this.stopped = true;
      const w = this.stopWaiters;
      this.stopWaiters = [];
      for (const f of w) f();
      // a stop nobody asked for (no read waits for one) must not leave QEMU frozen
      if (w.length === 0) this.mi.command('-exec-continue').catch(() => undefined);
    });
    this.mi.onExit((why) => {
      if (!why.startsWith('inferior')) this.exited({ code: null, signal: `gdb ended: ${why}` });
    });
  }

  private exited(e: QemuExit): void {
    if (this.exit) return;
    this.exit = e;
    for (const f of this.stopWaiters) f();
    this.stopWaiters = [];
    for (const l of [...this.exitListeners]) l(e);
    this.mi.close().catch(() => undefined);
  }

  onExit(listener: (e: QemuExit) => void): void {
    if (this.exit) listener(this.exit);
    else this.exitListeners.add(listener);
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Stop every thread of QEMU (SIGINT, which gdb keeps from QEMU) and wait for gdb to say so. */
  async stop(): Promise<void> {
    if (this.exit) throw new GdbMiError(`QEMU (pid ${this.pid}) has exited`);
    if (this.stopped) return;
    const done = new Promise<void>((resolveStop, reject) => {
      const timer = setTimeout(() => reject(new GdbMiError(`QEMU (pid ${this.pid}) did not stop within ${this.timeoutMs} ms of SIGINT`)), this.timeoutMs);
      this.stopWaiters.push(() => {
        clearTimeout(timer);
        if (this.exit) reject(new GdbMiError(`QEMU (pid ${this.pid}) exited while being stopped`));
        else resolveStop();
      });
    });
    process.kill(this.pid, 'SIGINT');
    await done;
  }

  /** Let QEMU run again. */
  async resume(): Promise<void> {
    if (this.exit || !this.stopped) return;
    await this.mi.command('-exec-continue');
  }

  /** QEMU's memory through this gdb (types from its debug information), opened once. */
  internals(): Promise<GdbQemuMemory> {
    this.memory ??= GdbQemuMemory.overInferior(this.pid, this.mi, { stop: () => this.stop(), resume: () => this.resume() });
    return this.memory;
  }

  /**
   * End QEMU, then gdb. gdb is QEMU's parent and must reap it: killed first, it would leave QEMU a
   * zombie for whatever init this machine has (not every container's init reaps orphans).
   */
  kill(): void {
    if (!this.exit) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // -gdb-exit kills and reaps the inferior; close() falls back to SIGKILL after 2 s
    this.mi.close().catch(() => undefined);
  }
}

function exitOf(reason: string, r: MiTuple): QemuExit {
  if (reason === 'exited-signalled') return { code: null, signal: typeof r['signal-name'] === 'string' ? r['signal-name'] : 'a signal' };
  if (reason === 'exited' && typeof r['exit-code'] === 'string') return { code: Number.parseInt(r['exit-code'], 8), signal: null };
  return { code: 0, signal: null };
}
