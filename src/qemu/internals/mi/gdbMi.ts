// A headless gdb spoken to over MI: spawned by IOVA Lens, never interactive. Commands carry a
// token and may be pipelined (gdb answers in order); each has a timeout; output is bounded (a
// line longer than MAX_LINE or more than MAX_PENDING_BYTES unread kills gdb with a clear error).
// gdb runs with -nx (no ~/.gdbinit) and without auto-loaded Python scripts (GLib's
// pretty-printers throw on a live QEMU), and never loads shared-library symbols: everything read
// lives in QEMU's own binary.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { GdbMiError } from '../errors.js';
import { miQuote, parseMiLine, MiSyntaxError, type MiRecord, type MiTuple } from './miProtocol.js';

export const MAX_LINE = 4 << 20;
const MAX_PENDING_BYTES = 32 << 20;

export interface GdbMiOptions {
  /** gdb executable (default: $IOVA_LENS_GDB or "gdb") */
  gdb?: string;
  /** default per-command timeout in ms */
  timeoutMs?: number;
  /** environment of gdb (and so of a program it runs); default: IOVA Lens's own */
  env?: NodeJS.ProcessEnv;
  /** working directory of gdb (and of a program it runs) */
  cwd?: string;
  /** extra pipes given to gdb as fds 3, 4, …: a program gdb runs inherits them (QEMU's output) */
  extraPipes?: number;
}

/** An MI `^error` answer; `msg` is gdb's own text. */
export class MiCommandError extends Error {
  constructor(readonly command: string, readonly msg: string) {
    super(`gdb: ${command}: ${msg}`);
    this.name = 'MiCommandError';
  }
}

interface Pending {
  command: string;
  resolve(r: MiTuple): void;
  reject(e: Error): void;
  timeoutMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class GdbMi {
  private nextToken = 1;
  private pending = new Map<number, Pending>();
  private buf = '';
  private stderr = '';
  private closedReason: string | undefined;
  private readonly exitListeners = new Set<(why: string) => void>();
  private readonly execListeners = new Set<(cls: string, results: MiTuple) => void>();
  /** set when gdb reports the inferior's exit (=thread-group-exited) */
  inferiorExit: string | undefined;
  /** gdb's latest warnings (its log stream, "warning: …"), the newest last; at most 20 kept */
  readonly warnings: string[] = [];

  private constructor(private readonly child: ChildProcessWithoutNullStreams, private readonly timeoutMs: number) {
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => this.onData(s));
    child.stderr.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4000);
    });
    child.on('error', (e) => this.shutdown(`gdb could not run: ${e.message}`));
    child.on('exit', (code, signal) => this.shutdown(`gdb exited (${signal ?? `code ${code}`})${this.stderr.trim() ? `: ${this.stderr.trim().slice(-400)}` : ''}`));
    child.stdin.on('error', () => undefined); // a dead gdb is reported by 'exit'
  }

  /** Start gdb on an executable (symbols and types are readable before any attach). */
  static async start(exe: string, opts: GdbMiOptions = {}): Promise<GdbMi> {
    const gdb = opts.gdb ?? process.env.IOVA_LENS_GDB ?? 'gdb';
    const args = ['--interpreter=mi3', '-nx', '-q', '-iex', 'set auto-load python-scripts off', '-iex', 'set auto-solib-add off', '-iex', 'set pagination off', '-iex', 'set confirm off', '-iex', 'set width 0', '-iex', 'set print elements 0', exe];
    const extra = Array.from({ length: opts.extraPipes ?? 0 }, () => 'pipe' as const);
    const child = spawn(gdb, args, { stdio: ['pipe', 'pipe', 'pipe', ...extra], env: { ...(opts.env ?? process.env), LC_ALL: 'C' }, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) }) as ChildProcessWithoutNullStreams;
    const mi = new GdbMi(child, opts.timeoutMs ?? 10_000);
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new GdbMiError(`cannot run ${gdb} (${e.message}); IOVA Lens reads QEMU's memory through gdb: install it (Debian: apt-get install gdb) or set IOVA_LENS_GDB`)));
    });
    // The first command's answer proves gdb speaks MI (an old gdb or a wrapper may not).
    await mi.command('-gdb-version');
    return mi;
  }

  /** the extra pipe given to gdb as fd `fd` (see GdbMiOptions.extraPipes), for reading */
  pipe(fd: number): NodeJS.ReadableStream | undefined {
    const s = this.child.stdio[fd];
    return s && 'on' in s ? (s as NodeJS.ReadableStream) : undefined;
  }

  /** gdb's own process id */
  get gdbPid(): number | undefined {
    return this.child.pid;
  }

  /** `*running`, `*stopped`… as gdb reports them (the class and its results). */
  onExec(listener: (cls: string, results: MiTuple) => void): () => void {
    this.execListeners.add(listener);
    return () => this.execListeners.delete(listener);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  onExit(listener: (why: string) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Send one MI command; resolves with the `^done`/`^connected`/`^running` results. */
  command(command: string, timeoutMs = this.timeoutMs): Promise<MiTuple> {
    if (this.closedReason !== undefined) return Promise.reject(new GdbMiError(`gdb is gone (${this.closedReason}); cannot run ${command}`));
    const token = this.nextToken++;
    return new Promise<MiTuple>((resolve, reject) => {
      this.pending.set(token, { command, resolve, reject, timeoutMs, timer: undefined });
      this.child.stdin.write(`${token}${command}\n`);
      this.armHead();
    });
  }

  // gdb answers pipelined commands in order: only the oldest one is being worked on, so only its
  // clock runs (a long queue of cheap commands must not time out behind one slow symbol load).
  private armHead(): void {
    const head = this.pending.entries().next();
    if (head.done) return;
    const [token, p] = head.value;
    if (p.timer) return;
    p.timer = setTimeout(() => {
      this.pending.delete(token);
      p.reject(new GdbMiError(`gdb did not answer ${p.command} within ${p.timeoutMs} ms`));
      this.kill(`no answer to ${p.command} within ${p.timeoutMs} ms`);
    }, p.timeoutMs);
  }

  /** `-data-evaluate-expression EXPR`: gdb's printed value. */
  async evaluate(expr: string): Promise<string> {
    const r = await this.command(`-data-evaluate-expression ${miQuote(expr)}`);
    if (typeof r.value !== 'string') throw new GdbMiError(`gdb: evaluating ${expr} gave no value`);
    return r.value;
  }

  /** Quit gdb (detaching first if attached); resolves once it has exited. */
  async close(): Promise<void> {
    if (this.closedReason !== undefined) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.command('-gdb-exit', 2000).catch(() => undefined);
    const timer = setTimeout(() => this.kill('did not quit within 2 s'), 2000);
    await exited;
    clearTimeout(timer);
  }

  kill(why: string): void {
    if (this.closedReason === undefined) this.shutdown(why);
    this.child.kill('SIGKILL');
  }

  private shutdown(why: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = why;
    for (const [token, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new GdbMiError(`gdb stopped answering ${p.command}: ${why}`));
      this.pending.delete(token);
    }
    for (const l of this.exitListeners) l(why);
  }

  private onData(s: string): void {
    this.buf += s;
    if (this.buf.length > MAX_PENDING_BYTES) {
      this.kill(`more than ${MAX_PENDING_BYTES} bytes of unread gdb output`);
      return;
    }
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).replace(/\r$/, '');
      this.buf = this.buf.slice(nl + 1);
      if (line.length > MAX_LINE) {
        this.kill(`a gdb output line of ${line.length} bytes (limit ${MAX_LINE})`);
        return;
      }
      if (line) this.onLine(line);
    }
    if (this.buf.length > MAX_LINE) this.kill(`a gdb output line longer than ${MAX_LINE} bytes`);
  }

  private onLine(line: string): void {
    let rec: MiRecord;
    try {
      rec = parseMiLine(line);
    } catch (e) {
      if (e instanceof MiSyntaxError) {
        this.stderr = (this.stderr + '\n' + line).slice(-4000); // gdb's non-MI chatter
        return;
      }
      throw e;
    }
    if (rec.kind === 'stream' && rec.type === 'log' && rec.text.startsWith('warning:')) {
      this.warnings.push(rec.text.trim());
      if (this.warnings.length > 20) this.warnings.shift();
      return;
    }
    if (rec.kind === 'async' && rec.cls === 'thread-group-exited') {
      this.inferiorExit = typeof rec.results['exit-code'] === 'string' ? `exit code ${Number.parseInt(rec.results['exit-code'], 8)}` : 'killed';
      for (const l of this.exitListeners) l(`inferior ${this.inferiorExit}`);
      return;
    }
    if (rec.kind === 'async' && rec.type === 'exec') {
      for (const l of [...this.execListeners]) l(rec.cls, rec.results);
      return;
    }
    if (rec.kind === 'async' && rec.cls === 'thread-group-started' && typeof rec.results.pid === 'string') {
      for (const l of [...this.execListeners]) l('thread-group-started', rec.results);
      return;
    }
    if (rec.kind !== 'result' || rec.token === undefined) return;
    const p = this.pending.get(rec.token);
    if (!p) return;
    this.pending.delete(rec.token);
    clearTimeout(p.timer);
    this.armHead();
    if (rec.cls === 'error') p.reject(new MiCommandError(p.command, typeof rec.results.msg === 'string' ? rec.results.msg : 'error'));
    else p.resolve(rec.results);
  }
}
