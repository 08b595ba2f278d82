// QemuMemory through a headless gdb: gdb opens QEMU's executable first (types and symbols are
// read without stopping QEMU), then attaches, reads and detaches. QEMU is stopped only between
// attach() and detach(). Functions inside QEMU are never called (every thread is stopped at an
// arbitrary point, possibly holding a lock or in the middle of a tree update).
// The same readers also read a core of QEMU (`gcore`, or a crash dump) with the executable it was
// taken of: `gdb EXE CORE`, nothing attached, attach/detach do nothing.
import { readlinkSync, existsSync, readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { GdbMi, MiCommandError, type GdbMiOptions } from './mi/gdbMi.js';
import { miQuote } from './mi/miProtocol.js';
import { CoreFileError, GdbMiError, NoDebugInfoError, NotQemuError, PtraceRefusedError, QemuExitedError } from './errors.js';
import type { QemuMemory } from './qemuMemory.js';
import { notPlainRead, plainNumber, PLAIN_FIELD, PLAIN_SYMBOL, PLAIN_TYPE } from './plainExpression.js';

/**
 * Gone, a zombie, or exiting: a traced QEMU killed mid-read stays in /proc until its parent
 * reaps it, and while it exits its address space is already released (an empty maps file).
 */
function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    if (/^[ZXx]/.test(stat.slice(stat.lastIndexOf(')') + 2))) return true;
    return readFileSync(`/proc/${pid}/maps`, 'latin1').length === 0;
  } catch {
    return true;
  }
}

/** How QEMU is stopped and let go when gdb already runs it (launch under gdb): no ptrace attach. */
export interface InferiorControl {
  stop(): Promise<void>;
  resume(): Promise<void>;
}

/** a file name as one MI argument (quoted when it needs to be) */
const miPath = (p: string): string => (/^[\w./+-]+$/.test(p) ? p : miQuote(p));

export class GdbQemuMemory implements QemuMemory {
  private attached = false;
  private exitedWhy: string | undefined;
  private readonly layoutCache = new Map<string, Promise<bigint>>();
  /** ms QEMU spent stopped, from the attach request to the detach answer */
  stoppedMs = 0;
  private attachT0 = 0;
  /** /proc/PID/mem, opened while attached when the kernel lets us (same checks as ptrace) */
  private memFd: number | undefined;
  /** reads served from /proc/PID/mem and through gdb */
  readonly readCounts = { procMem: 0, gdb: 0 };

  /** the core file read instead of a live process (openCore) */
  private core: string | undefined;

  private constructor(
    public pid: number,
    readonly exe: string,
    private readonly mi: GdbMi,
    private readonly control?: InferiorControl,
  ) {
    mi.onExit((why) => {
      if (why.startsWith('inferior')) this.exitedWhy = why;
    });
  }

  /** Open QEMU's executable in gdb and check it has the debug information the readers need. */
  static async open(pid: number, opts: GdbMiOptions = {}): Promise<GdbQemuMemory> {
    if (!Number.isSafeInteger(pid) || pid <= 0) throw new NotQemuError(pid, 'not a process id');
    let exe: string;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!existsSync(`/proc/${pid}`)) throw new NotQemuError(pid, 'no such process');
      throw new NotQemuError(pid, `cannot read /proc/${pid}/exe (${code ?? (e as Error).message})${code === 'EACCES' ? ': QEMU runs as another user; run IOVA Lens as that user or as root' : ''}`);
    }
    const mi = await GdbMi.start(`/proc/${pid}/exe`, opts);
    const mem = new GdbQemuMemory(pid, exe, mi);
    try {
      await mem.checkDebugInfo();
    } catch (e) {
      await mi.close();
      throw e;
    }
    return mem;
  }

  /**
   * QEMU running as gdb's own inferior (src/qemu/internals/qemuUnderGdb.ts): attach and detach
   * stop and continue it through `control`; closing leaves gdb to its owner.
   */
  static async overInferior(pid: number, mi: GdbMi, control: InferiorControl): Promise<GdbQemuMemory> {
    const mem = new GdbQemuMemory(pid, readlinkSync(`/proc/${pid}/exe`), mi, control);
    await mem.checkDebugInfo();
    return mem;
  }

  /**
   * Read a core of QEMU: `exe` must be the very binary the core was taken of (its debug
   * information gives the layouts); gdb's own check of the pair is enforced.
   */
  static async openCore(exe: string, core: string, opts: GdbMiOptions = {}): Promise<GdbQemuMemory> {
    if (!existsSync(core)) throw new CoreFileError(core, 'no such file');
    if (!existsSync(exe)) throw new CoreFileError(core, `no QEMU executable ${exe} to read it with`);
    const mi = await GdbMi.start(exe, opts);
    const mem = new GdbQemuMemory(0, exe, mi);
    mem.core = core;
    try {
      await mem.checkDebugInfo();
      try {
        await mi.command(`-target-select core ${miPath(core)}`, 120_000);
      } catch (e) {
        if (e instanceof MiCommandError) throw new CoreFileError(core, `not a core gdb can read: ${e.msg}`);
        throw e;
      }
      const mismatch = mi.warnings.find((w) => /core file may not match/.test(w));
      if (mismatch) throw new CoreFileError(core, `not taken of ${exe} (gdb: ${mismatch.replace(/^warning: /, '').replace(/\.$/, '')}): give the QEMU binary the core was dumped from`);
      const groups = (await mi.command('-list-thread-groups')).groups;
      const pid = Array.isArray(groups) && typeof groups[0] === 'object' && !Array.isArray(groups[0]) ? Number(groups[0].pid) : NaN;
      if (Number.isSafeInteger(pid) && pid > 0) mem.pid = pid;
    } catch (e) {
      await mi.close();
      throw e;
    }
    return mem;
  }

  /** no process to lose: a core stays readable */
  private gone(): boolean {
    return this.core === undefined && (this.exitedWhy !== undefined || processGone(this.pid));
  }

  private async checkDebugInfo(): Promise<void> {
    try {
      await this.mi.evaluate('sizeof(AddressSpace)');
    } catch (e) {
      if (!(e instanceof MiCommandError)) throw e;
      if (/No symbol table is loaded/i.test(e.msg)) throw new NoDebugInfoError(this.pid, this.exe, 'no symbol table');
      // symbols but no types: a binary with only .symtab (stripped of DWARF) or not QEMU at all
      let hasSymbol = false;
      try {
        await this.mi.evaluate('(long)&address_space_memory');
        hasSymbol = true;
      } catch {
        hasSymbol = false;
      }
      if (hasSymbol) throw new NoDebugInfoError(this.pid, this.exe, 'symbols but no type information');
      throw new NotQemuError(this.pid, `${this.exe} has debug information but no AddressSpace type nor address_space_memory: not a QEMU system emulator`);
    }
  }

  /** Stop QEMU: ptrace-attach every thread. */
  async attach(): Promise<void> {
    this.attachT0 = performance.now();
    if (this.core !== undefined) {
      this.attached = true;
      return;
    }
    try {
      if (this.control) await this.run('stopping QEMU', () => this.control!.stop());
      else await this.mi.command(`-target-attach ${this.pid}`, 30_000);
    } catch (e) {
      if (e instanceof MiCommandError) {
        if (/ptrace|Operation not permitted|not permitted/i.test(e.msg)) throw new PtraceRefusedError(this.pid, e.msg);
        if (/No such process|Unable to attach/i.test(e.msg)) throw new QemuExitedError(this.pid, 'attach');
      }
      throw e;
    }
    this.attached = true;
    try {
      // QEMU is stopped by gdb now: reading its memory file directly is consistent and needs no
      // gdb round trip per read. Without permission every read goes through gdb instead.
      this.memFd = openSync(`/proc/${this.pid}/mem`, 'r');
    } catch {
      this.memFd = undefined;
    }
  }

  private closeMem(): void {
    if (this.memFd !== undefined) closeSync(this.memFd);
    this.memFd = undefined;
  }

  /** Let QEMU run again (ptrace-detach). */
  async detach(): Promise<void> {
    if (!this.attached) return;
    this.attached = false;
    this.closeMem();
    if (this.core !== undefined) {
      this.stoppedMs = 0;
      return;
    }
    try {
      if (this.control) await this.control.resume();
      else await this.mi.command('-target-detach');
    } finally {
      this.stoppedMs = performance.now() - this.attachT0;
    }
  }

  async close(): Promise<void> {
    this.closeMem();
    try {
      if (this.attached && !this.exited && !this.mi.closed) await this.detach();
    } finally {
      if (!this.control) await this.mi.close();
    }
  }

  private async run<T>(what: string, f: () => Promise<T>, touchesQemu = true): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (this.gone() || (touchesQemu && this.core === undefined && (await this.exitNoticeWithin(500)))) throw new QemuExitedError(this.pid, what);
      if (e instanceof MiCommandError) throw new GdbMiError(`reading QEMU (${this.who}): ${what}: ${e.msg}`);
      throw e;
    }
  }

  /** A failed read may be the first sign of QEMU dying: wait briefly for gdb's exit notice. */
  private exitNoticeWithin(ms: number): Promise<boolean> {
    if (!this.attached || this.mi.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(timer);
        off();
        resolve(v || processGone(this.pid));
      };
      const off = this.mi.onExit((why) => done(why.startsWith('inferior')));
      const timer = setTimeout(() => done(false), ms);
    });
  }

  private async number(expr: string, what: string, touchesQemu = true): Promise<bigint> {
    const refused = notPlainRead(expr);
    if (refused !== undefined) throw new GdbMiError(refused);
    const v = await this.run(what, () => this.mi.evaluate(`(unsigned long)(${expr})`), touchesQemu);
    const n = plainNumber(v);
    if (n === undefined) throw new GdbMiError(`reading QEMU (${this.who}): ${what}: gdb printed "${v.trim().slice(0, 80)}", not a number`);
    return n;
  }

  sizeOf(type: string): Promise<bigint> {
    if (!PLAIN_TYPE.test(type)) return Promise.reject(new GdbMiError(`not a type name: ${type}`));
    const key = `sizeof ${type}`;
    let p = this.layoutCache.get(key);
    if (!p) this.layoutCache.set(key, (p = this.number(`sizeof(${type})`, `sizeof(${type})`, false)));
    return p;
  }

  offsetOf(type: string, field: string): Promise<bigint> {
    if (!PLAIN_TYPE.test(type) || !PLAIN_FIELD.test(field)) return Promise.reject(new GdbMiError(`not a type/field: ${type} ${field}`));
    const key = `${type}::${field}`;
    let p = this.layoutCache.get(key);
    if (!p) this.layoutCache.set(key, (p = this.number(`&((${type} *)0)->${field}`, `offset of ${type}.${field}`, false)));
    return p;
  }

  addressOf(symbol: string): Promise<bigint> {
    if (!PLAIN_SYMBOL.test(symbol)) return Promise.reject(new GdbMiError(`not a symbol name: ${symbol}`));
    return this.number(`&${symbol}`, `address of ${symbol}`);
  }

  evaluate(expr: string): Promise<bigint> {
    return this.number(expr, expr);
  }

  async read(addr: bigint, len: number): Promise<Uint8Array> {
    if (!this.attached) throw new GdbMiError('read before attach: QEMU must be stopped to read it');
    if (len === 0) return new Uint8Array(0);
    if (!Number.isSafeInteger(len) || len < 0 || len > 16 << 20) throw new GdbMiError(`refusing to read ${len} bytes at 0x${addr.toString(16)}`);
    const what = `${len} bytes at 0x${addr.toString(16)}`;
    if (this.memFd !== undefined && addr < 1n << 52n) {
      const buf = new Uint8Array(len);
      try {
        if (readSync(this.memFd, buf, 0, len, Number(addr)) === len) {
          this.readCounts.procMem++;
          return buf;
        }
      } catch {
        // unmapped or QEMU gone: gdb's answer below says which
      }
    }
    this.readCounts.gdb++;
    const r = await this.run(what, () => this.mi.command(`-data-read-memory-bytes 0x${addr.toString(16)} ${len}`));
    const blocks = Array.isArray(r.memory) ? r.memory : [];
    const out = new Uint8Array(len);
    let covered = 0;
    for (const b of blocks) {
      if (typeof b !== 'object' || Array.isArray(b) || typeof b.begin !== 'string' || typeof b.contents !== 'string') continue;
      const begin = BigInt(b.begin) - addr;
      const bytes = Buffer.from(b.contents, 'hex');
      out.set(bytes, Number(begin));
      covered += bytes.length;
    }
    if (covered !== len) {
      if (this.gone()) throw new QemuExitedError(this.pid, `reading ${what}`);
      throw new GdbMiError(`reading QEMU (${this.who}): only ${covered} of ${what} are readable${this.core !== undefined ? ' (memory a core leaves out: its coredump_filter kept only some mappings)' : ''}`);
    }
    return out;
  }

  /** True once gdb reported QEMU's exit (never for a core). */
  get exited(): boolean {
    return this.gone();
  }

  /** Throw QemuExitedError if QEMU went away during a read. */
  checkAlive(during: string): void {
    if (this.gone()) throw new QemuExitedError(this.pid, during);
  }

  private get who(): string {
    return this.core !== undefined ? `core ${this.core} of pid ${this.pid}` : `pid ${this.pid}`;
  }
}
