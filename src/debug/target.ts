// The QEMU being debugged, as the debug session sees it: connects QMP and (optionally) the
// gdbstub, keeps the run state, and answers in the session's terms (vCPU threads, registers,
// snapshot, memory by named address space). The session only translates DAP to these calls.
//
// Run control goes through both peers on purpose. QEMU's gdbstub stops the VM on *any* byte it
// receives while the VM runs, so while running we talk to QMP only (threads come from
// query-cpus-fast, continue is QMP `cont`, which leaves the gdbstub attached and idle), and we
// use the gdbstub only once the VM is stopped.
import { accessFits, hex } from '../model/u64.js';
import { GdbClient } from '../qemu/gdb/gdbClient.js';
import { QmpClient, type QmpEvent } from '../qemu/qmp/qmpClient.js';
import type { ChannelOpener } from '../qemu/channel.js';
import { DEFAULT_TIMEOUT_MS } from '../qemu/timeouts.js';
import { QemuMonitor } from '../qemu/qmp/qemuMonitor.js';
import { takeSnapshot } from '../qemu/snapshot/takeSnapshot.js';
import type { Snapshot } from '../qemu/snapshot/types.js';
import { formatMemoryRef, parseMemoryRef } from './commandLine.js';
import { canSingleStep, singleStep } from './gdbStep.js';
import { liveMemoryMap, walkGiova, withDeviceDma } from './liveTranslate.js';
import type { GiovaAnswer } from '../model/liveSource.js';

export type TargetEvent =
  | { kind: 'stopped'; reason: 'pause' | 'entry' | 'breakpoint' | 'step'; threadId?: number }
  | { kind: 'continued' }
  | { kind: 'exited'; reason: string }
  | { kind: 'output'; text: string; category: 'console' | 'stdout' | 'stderr' };

export interface VcpuThread {
  /** cpu-index + 1: the gdbstub's thread id for this vCPU. */
  id: number;
  name: string;
}

export interface TargetOptions {
  qmp: string;
  gdb?: string | undefined;
  allowMemoryWrite?: boolean | undefined;
  timeoutMs?: number;
  /** How to reach QMP and the gdbstub (default: sockets); tests pass scripted peers. */
  open?: ChannelOpener;
}

/** Raised for requests the target cannot serve now; the message says why and what would help. */
export class TargetRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusal';
  }
}

/** Start of an access of `count` bytes at `base + offset`; refused when it would wrap past 2^64. */
function accessStart(base: bigint, offset: number, count: number, reference: string): bigint {
  const start = base + BigInt(offset);
  if (!accessFits(start, count)) {
    throw new TargetRefusal(`${reference}${offset ? ` ${offset < 0 ? '-' : '+'} ${Math.abs(offset)}` : ''}: ${count} byte(s) from there would wrap around the 64-bit address space`);
  }
  return start;
}

export const noGdbReason = (what: string): string => `${what} needs the gdbstub: attach with "gdb": "HOST:PORT" (QEMU option -gdb tcp::PORT)`;

export class QemuTarget {
  private readonly listeners = new Set<(e: TargetEvent) => void>();
  // 'stepping': one vCPU runs one instruction; QMP's RESUME/STOP of that step are not run-state changes.
  private state: 'running' | 'stopped' | 'stepping' | 'exited' = 'running';
  private stepSupport: Promise<boolean> | undefined;
  private snap: Promise<Snapshot> | undefined;
  /** registers of each vCPU at this stop, read once: the call stack and Registers share them */
  private regs = new Map<number, Promise<Map<string, bigint>>>();
  private exitReason: string | undefined;
  private peerQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly monitor: QemuMonitor,
    readonly gdb: GdbClient | undefined,
    readonly allowMemoryWrite: boolean,
  ) {}

  /**
   * Connect. Connecting the gdbstub stops the VM (QEMU does so on every new gdb connection);
   * a VM that was running is resumed, so attaching does not freeze the guest.
   */
  static async attach(opts: TargetOptions): Promise<QemuTarget> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const qmp = await QmpClient.connect(opts.qmp, { timeoutMs, connectTimeoutMs: timeoutMs, open: opts.open });
    const mon = new QemuMonitor(qmp);
    let gdb: GdbClient | undefined;
    try {
      const before = await mon.queryStatus();
      if (opts.gdb !== undefined) {
        const ep = /^(tcp|unix):/.test(opts.gdb) ? opts.gdb : `tcp:${opts.gdb}`;
        gdb = await GdbClient.connect(ep, { timeoutMs, connectTimeoutMs: timeoutMs, open: opts.open });
        if (before.running) {
          await mon.cont();
          gdb.pausedGuest = false;
        }
      }
      const target = new QemuTarget(mon, gdb, opts.allowMemoryWrite ?? false);
      // Events up to this reply were about our own connecting; the state starts from here.
      target.state = (await mon.queryStatus()).running ? 'running' : 'stopped';
      // the stub may have said W00/X09 (its process exited) or broken the protocol meanwhile
      if (gdb?.closeReason) throw gdb.closeReason;
      target.listen();
      return target;
    } catch (e) {
      await gdb?.close().catch(() => undefined);
      qmp.close();
      throw e;
    }
  }

  on(listener: (e: TargetEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get running(): boolean {
    return this.state === 'running';
  }

  get exited(): string | undefined {
    return this.exitReason;
  }

  private emit(e: TargetEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  private listen(): void {
    this.monitor.qmp.onEvent((e: QmpEvent) => this.onQmpEvent(e));
    this.monitor.qmp.onClose((err) => this.markExited(`QEMU's QMP connection ${this.monitor.qmp.endpoint} closed (QEMU exited or was killed): ${err.message}`));
    this.gdb?.onStop((s) => {
      if (s.kind === 'W' || s.kind === 'X') this.markExited(`QEMU exited (gdbstub reported ${s.raw})`);
      else this.setStopped(s.signal === 5 ? 'breakpoint' : 'pause', s.thread ? parseInt(s.thread, 16) : undefined);
    });
  }

  private onQmpEvent(e: QmpEvent): void {
    switch (e.event) {
      case 'STOP':
        this.setStopped('pause');
        break;
      case 'RESUME':
        this.setRunning();
        break;
      case 'SHUTDOWN':
        this.emit({ kind: 'output', category: 'console', text: `QEMU shut down (${JSON.stringify(e.data ?? {})})\n` });
        break;
      default:
        break;
    }
  }

  private setStopped(reason: 'pause' | 'entry' | 'breakpoint' | 'step', threadId?: number): void {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    this.snap = undefined;
    this.regs.clear();
    this.emit({ kind: 'stopped', reason, ...(threadId !== undefined ? { threadId } : {}) });
  }

  private setRunning(): void {
    if (this.state !== 'stopped') return;
    this.state = 'running';
    this.snap = undefined;
    this.regs.clear();
    this.emit({ kind: 'continued' });
  }

  /** Called by the launcher too, when the QEMU process itself exits. */
  markExited(reason: string): void {
    if (this.state === 'exited') return;
    this.state = 'exited';
    this.exitReason = reason;
    this.emit({ kind: 'exited', reason });
  }

  private alive(): void {
    if (this.exitReason) throw new TargetRefusal(this.exitReason);
  }

  /** Stop all vCPUs. Always ends with a stopped event, also when the VM was already stopped. */
  async pause(): Promise<void> {
    this.alive();
    // The gdbstub is busy with the step's vCont; QMP stop ends the step, whose stopped event follows.
    if (this.state === 'stepping') {
      await this.monitor.stop();
      return;
    }
    if (this.state === 'stopped') {
      this.emit({ kind: 'stopped', reason: 'pause' });
      return;
    }
    if (this.gdb) await this.gdb.interrupt();
    else await this.monitor.stop();
    this.setStopped('pause');
  }

  /** Resume all vCPUs. */
  async cont(): Promise<void> {
    this.alive();
    if (this.state !== 'stopped') return;
    // Behind any gdbstub work of this stop (a byte to a running VM stops it again), and running
    // from the moment QMP says so: gdbstub work queued behind this sees it and stays away.
    await this.exclusive(async () => {
      await this.monitor.cont();
      if (this.gdb) this.gdb.pausedGuest = false;
      this.setRunning();
    });
  }

  /**
   * Start an instruction single-step of one vCPU (the others stay stopped). Resolves once the
   * step is under way, after every check that could refuse it; `done` settles after the stopped
   * event (reason 'step'). A vCPU halted in `hlt` retires no instruction until an interrupt
   * wakes it; after `stallMs` the VM is stopped over QMP so the step cannot hang the session.
   */
  async step(threadId: number, stallMs = 3000): Promise<{ done: Promise<{ completed: boolean }> }> {
    const gdb = this.stoppedGdb(`stepping vCPU ${threadId - 1}`);
    this.stepSupport ??= this.exclusive(() => canSingleStep(gdb));
    if (!(await this.stepSupport)) throw new TargetRefusal(`the gdbstub at ${gdb.endpoint} does not offer single-step (its "vCont?" answer lists no "s" action)`);
    if (this.state !== 'stopped') throw new TargetRefusal(`stepping vCPU ${threadId - 1}: the guest is no longer stopped`);
    this.state = 'stepping';
    this.snap = undefined;
    this.regs.clear();
    let completed = true;
    const watchdog = setTimeout(() => {
      completed = false;
      this.monitor.stop().catch(() => undefined);
    }, stallMs);
    const done = (async () => {
      let failure: unknown;
      try {
        await this.exclusive(() => singleStep(gdb, threadId, stallMs + 5000));
      } catch (e) {
        failure = e;
      }
      clearTimeout(watchdog);
      // QMP answers in order: the step's RESUME and STOP events are in before this reply.
      const status = await this.monitor.queryStatus().catch(() => undefined);
      if (this.state === 'stepping') {
        this.state = status?.running ? 'running' : 'stopped';
        this.emit(status?.running ? { kind: 'continued' } : { kind: 'stopped', reason: 'step', threadId });
      }
      if (failure !== undefined) throw failure;
      return { completed };
    })();
    return { done };
  }

  async threads(): Promise<VcpuThread[]> {
    this.alive();
    const cpus = (await this.monitor.qmp.execute('query-cpus-fast')) as { 'cpu-index': number; 'thread-id'?: number; target?: string; 'qom-path'?: string }[];
    return cpus.map((c) => ({
      id: Number(c['cpu-index']) + 1,
      name: `vCPU ${Number(c['cpu-index'])}${c.target ? ` (${c.target})` : ''}${c['thread-id'] !== undefined ? ` tid ${Number(c['thread-id'])}` : ''}`,
    }));
  }

  private stoppedGdb(what: string): GdbClient {
    this.alive();
    if (!this.gdb) throw new TargetRefusal(noGdbReason(what));
    if (this.state !== 'stopped') throw new TargetRefusal(`${what}: the guest is running; pause it first`);
    return this.gdb;
  }

  /** All registers of one vCPU, by gdb register name. */
  async registers(threadId: number): Promise<Map<string, bigint>> {
    const gdb = this.stoppedGdb('reading registers');
    const have = this.regs.get(threadId);
    if (have) return have;
    const r = this.whileStopped('reading registers', () => gdb.registers.read(threadId.toString(16).padStart(2, '0')));
    this.regs.set(threadId, r);
    r.catch(() => {
      if (this.regs.get(threadId) === r) this.regs.delete(threadId);
    });
    return r;
  }

  /**
   * Queue the registers of every vCPU ahead of anything else of this stop: the call stack VS Code
   * asks for right after a stop then waits for one register read per vCPU, not for the seconds a
   * snapshot of the rings and VT-d tables takes over the gdbstub.
   */
  async prefetchRegisters(): Promise<void> {
    if (!this.gdb || this.state !== 'stopped') return;
    for (const t of await this.threads()) void this.registers(t.id).catch(() => undefined);
  }

  /** Program counter of one vCPU (rip on x86-64, pc elsewhere). */
  async pc(threadId: number): Promise<bigint> {
    const regs = await this.registers(threadId);
    const pc = regs.get('rip') ?? regs.get('pc') ?? regs.get('eip');
    if (pc === undefined) throw new TargetRefusal(`vCPU ${threadId - 1}: the gdbstub reports no program counter register`);
    return pc;
  }

  /**
   * The DMA view at this stop, taken once per stop. While the VM runs, guest memory is left out
   * (reading it would stop the VM): those parts carry the reason instead.
   */
  snapshot(): Promise<Snapshot> {
    this.alive();
    if (this.state !== 'stopped') return this.exclusive(() => takeSnapshot({ qmp: this.monitor, gdb: undefined }));
    if (this.snap) return this.snap;
    // resumed while queued: the running view, never a gdbstub byte to a running VM
    const s = this.exclusive(() => takeSnapshot({ qmp: this.monitor, gdb: this.state === 'stopped' ? this.gdb : undefined }));
    this.snap = s;
    // A failed snapshot is not kept: the next expansion tries again.
    s.catch(() => {
      if (this.snap === s) this.snap = undefined;
    });
    return s;
  }

  /** The system memory map (QMP only: works while running and without a gdbstub). */
  memoryMap(): ReturnType<typeof liveMemoryMap> {
    this.alive();
    return this.exclusive(() => liveMemoryMap(this.monitor));
  }

  /**
   * Peer work one at a time. Physical mode is a connection-wide gdbstub switch, so two
   * overlapping sections would let one switch it off under the other's reads; and each
   * LiveSession instruments the clients until it closes, which must not interleave either.
   * (Public for the QEMU internals' cross-check, which asks QMP for the memory map.)
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.peerQueue.then(fn, fn);
    this.peerQueue = run.catch(() => undefined);
    return run;
  }

  /** Gdbstub work of this stop: runs only if the guest is still stopped when its turn comes
   * (QEMU's gdbstub stops a running VM at any byte, so work queued before a continue must not). */
  private whileStopped<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.exclusive(() => (this.state === 'stopped' ? fn() : Promise.reject(new TargetRefusal(`${what}: the guest resumed before it could be done`))));
  }

  /** Walk the guest's VT-d tables for one device address (GIOVA): the vIOMMU's answer, GPA or why not. */
  async translateGiova(device: string, addr: bigint): Promise<GiovaAnswer> {
    const gdb = this.stoppedGdb(`walking GIOVA ${hex(addr)} of ${device}`);
    return this.whileStopped(`walking GIOVA ${hex(addr)} of ${device}`, () => walkGiova(this.monitor, gdb, device, addr));
  }

  /** Read `count` bytes at `offset` from a space-named reference (see parseMemoryRef). */
  async readMemory(reference: string, offset: number, count: number): Promise<{ address: string; data: Uint8Array }> {
    const ref = parseMemoryRef(reference);
    const addr = accessStart(ref.addr, offset, count, reference);
    const at = formatMemoryRef({ ...ref, addr });
    if (ref.space === 'hva') {
      throw new TargetRefusal(`${at}: host virtual memory is QEMU's own; the gdbstub reads guest memory only. Use "resolve hva ${hex(addr)}" for its GPA and read gpa:… instead`);
    }
    const gdb = this.stoppedGdb(`reading ${at}`);
    if (ref.space === 'gpa') return { address: at, data: await this.whileStopped(`reading ${at}`, () => gdb.memory.readPhysical(addr, count)) };
    const data = await this.whileStopped(`reading ${at}`, () => withDeviceDma(this.monitor, gdb, ref.device, (dma) => dma.read(addr, count)));
    return { address: at, data };
  }

  /** Write guest-physical memory; refused unless the configuration allows it. */
  async writeMemory(reference: string, offset: number, data: Uint8Array): Promise<void> {
    if (!this.allowMemoryWrite) throw new TargetRefusal('writing guest memory is disabled; set "allowMemoryWrite": true in the launch configuration to allow it');
    const ref = parseMemoryRef(reference);
    if (ref.space !== 'gpa') throw new TargetRefusal(`writes go to guest-physical memory only (gpa:…), not ${ref.space}`);
    const gdb = this.stoppedGdb(`writing ${formatMemoryRef(ref)}`);
    const addr = accessStart(ref.addr, offset, data.length, reference);
    await this.whileStopped(`writing ${formatMemoryRef(ref)}`, () => gdb.memory.physical(() => gdb.memory.write(addr, data)));
  }

  /**
   * Leave the guest running: resume a stopped VM, then drop the connections. The gdbstub socket
   * is closed without `D` while running, since any byte would stop the VM again.
   */
  async detach(): Promise<void> {
    if (this.state === 'exited') {
      this.monitor.qmp.close();
      await this.gdb?.close().catch(() => undefined);
      return;
    }
    // behind gdbstub work still under way (a view's snapshot), which would stop the VM again
    await this.exclusive(async () => {
      if (this.state === 'stopped') await this.monitor.cont();
      this.state = 'exited';
    }).catch(() => undefined);
    if (this.gdb) this.gdb.pausedGuest = false;
    await this.gdb?.close().catch(() => undefined);
    this.state = 'exited';
    this.monitor.qmp.close();
  }

  /** Ask QEMU to quit (launch mode). */
  async quit(): Promise<void> {
    if (this.state === 'exited') return;
    this.state = 'exited';
    await this.monitor.qmp.execute('quit').catch(() => undefined);
    await this.gdb?.close().catch(() => undefined);
    this.monitor.qmp.close();
  }
}
