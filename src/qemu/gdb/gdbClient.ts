// Client for QEMU's gdbstub, for reading guest state: one request in flight, every packet
// acknowledged, retransmission on `-`. Connecting pauses the guest (QEMU does that itself);
// close() detaches so it runs again.
import { openSocket, parseEndpoint, formatEndpoint, type Endpoint } from '../endpoint.js';
import { ConnectionLostError, GdbErrorReply, ProtocolError, TimeoutError } from '../errors.js';
import { guard, socketChannel, type ByteChannel, type ChannelOpener } from '../channel.js';
import { DEFAULT_TIMEOUT_MS } from '../timeouts.js';
import { encodePacket, PacketReceiver, type WireEvent } from './packet.js';
import { GdbMemory } from './gdbMemory.js';
import { GdbRegisters } from './gdbRegisters.js';

export interface GdbOptions {
  /** Per-request limit, default DEFAULT_TIMEOUT_MS (2 s). A timed-out request closes the connection. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** A packet that starts but does not finish within this time is a protocol error (default 1500 ms). */
  stallMs?: number;
  /** How to reach the endpoint (default: a socket); tests pass a scripted peer. */
  open?: ChannelOpener;
}

export interface StopReply {
  /** Signal number (5 TRAP, 2 INT…); for `W`/`X` the exit code or signal. */
  signal: number;
  kind: 'T' | 'S' | 'W' | 'X';
  thread: string | undefined;
  raw: string;
}

interface InFlight {
  name: string;
  /** The frame to resend on `-`; undefined for the raw interrupt byte. */
  frame: Buffer | undefined;
  resends: number;
  /** qRcmd output arrives as `O<hex>` packets before the final reply. */
  console: string[] | undefined;
  consoleChars?: number;
  /** `?` and the interrupt are answered by a stop reply; other requests are not. */
  expectsStop: boolean;
  resolve: (payload: string) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const MAX_RESENDS = 3;
/** Largest packet body accepted before `#` (QEMU's own limit is 0x20020 bytes of hex). */
const MAX_PACKET_BODY = 1 << 20;
/** qfThreadInfo/qsThreadInfo rounds and thread ids accepted (QEMU has at most a few hundred vCPUs). */
const MAX_THREADS = 4096;
/** Console output (`O` packets) kept for one qRcmd. */
const MAX_CONSOLE_CHARS = 16 << 20;
const STOP_REPLY = /^(?:[TS][0-9a-fA-F]{2}(?:$|[^;]*[:;])|[WX][0-9a-fA-F]{2}(?:$|;))/;

export class GdbClient {
  readonly endpoint: string;
  /** True from connect until detach: QEMU stops the VM while a debugger is attached. */
  pausedGuest = false;
  /** From qSupported; QEMU 7.2 says 0x1000, newer ones 0x20020. */
  packetSize = 4096;
  supported = new Map<string, string>();
  readonly memory: GdbMemory;
  readonly registers: GdbRegisters;
  private readonly receiver: PacketReceiver;
  private inFlight: InFlight | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closedBy: Error | undefined;
  private stallTimer: ReturnType<typeof setTimeout> | undefined;
  private badChecksums = 0;
  private readonly stopListeners = new Set<(s: StopReply) => void>();
  private readonly closeListeners = new Set<(err: Error) => void>();
  private readonly timeoutMs: number;
  private readonly stallMs: number;

  private constructor(private readonly sock: ByteChannel, endpoint: string, opts: GdbOptions) {
    this.endpoint = endpoint;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.stallMs = opts.stallMs ?? 1500;
    this.receiver = new PacketReceiver(MAX_PACKET_BODY);
    this.memory = new GdbMemory(this);
    this.registers = new GdbRegisters(this);
    const onFault = (e: Error): void => this.fail(new ProtocolError(this.endpoint, `cannot handle the gdbstub's data: ${e.message}`));
    sock.onData(guard((d: Buffer) => this.onData(d), onFault));
    sock.onClose(guard((reason: string) => this.fail(new ConnectionLostError(this.endpoint, undefined, reason)), onFault));
  }

  static async connect(endpoint: string | Endpoint, opts: GdbOptions = {}): Promise<GdbClient> {
    const ep = typeof endpoint === 'string' ? parseEndpoint(endpoint) : endpoint;
    const connectMs = opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const channel = opts.open ? await opts.open(ep, connectMs) : socketChannel(await openSocket(ep, connectMs), 'the gdbstub');
    return GdbClient.over(channel, formatEndpoint(ep), opts);
  }

  /** Attach over an already open channel (a socket, or a scripted peer in tests). */
  static async over(channel: ByteChannel, endpoint: string, opts: GdbOptions = {}): Promise<GdbClient> {
    const client = new GdbClient(channel, endpoint, opts);
    // QEMU stops the VM as soon as the connection opens, before any packet.
    client.pausedGuest = true;
    try {
      const reply = await client.request('qSupported:xmlRegisters=i386');
      for (const item of reply.split(';')) {
        const m = /^([^=+\-?]+)(?:=(.*)|([+\-?]))$/.exec(item);
        if (m) client.supported.set(m[1], m[2] ?? m[3]);
      }
      const ps = parseInt(client.supported.get('PacketSize') ?? '', 16);
      if (Number.isInteger(ps) && ps >= 64) client.packetSize = Math.min(ps, MAX_PACKET_BODY);
      // a stub that answered and then said W00/X09 (the process exited) is not attached
      if (client.closedBy) throw client.closedBy;
      return client;
    } catch (e) {
      client.destroy(e as Error);
      throw e;
    }
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Send one packet and resolve with the reply payload (latin1 text). Requests are serialised. */
  request(payload: string, opts: { timeoutMs?: number; console?: boolean } = {}): Promise<string> {
    return this.enqueue(payload.split(/[,:;]/)[0].slice(0, 24) || payload, encodePacket(payload), { ...opts, expectsStop: payload === '?' });
  }

  /**
   * Send a resume packet (`vCont;s:TID`, `s`, `c`…) whose answer is the stop reply QEMU sends
   * once the vCPU stops again; resolves with that stop reply.
   */
  async resume(payload: string, opts: { timeoutMs?: number } = {}): Promise<StopReply> {
    const raw = await this.enqueue(payload.split(/[,:;]/)[0].slice(0, 24) || payload, encodePacket(payload), { ...opts, expectsStop: true });
    this.pausedGuest = true;
    return parseStopReply(raw, this.endpoint);
  }

  /** Ctrl-C: ask a running guest to stop; resolves with the stop reply. */
  async interrupt(): Promise<StopReply> {
    const raw = await this.enqueue('interrupt (0x03)', undefined, { expectsStop: true });
    this.pausedGuest = true;
    return parseStopReply(raw, this.endpoint);
  }

  /** `?`: why the target is stopped (QEMU also clears breakpoints, as gdb does on attach). */
  async stopReason(): Promise<StopReply> {
    return parseStopReply(await this.request('?'), this.endpoint);
  }

  /** vCPU thread ids ("01", "02", …; QEMU's thread id is cpu_index + 1). */
  async threads(): Promise<string[]> {
    const ids: string[] = [];
    let reply = await this.request('qfThreadInfo');
    for (let round = 0; reply.startsWith('m') && round < MAX_THREADS; round++) {
      for (const id of reply.slice(1).split(',')) {
        if (id === '') continue;
        if (ids.length >= MAX_THREADS) throw new ProtocolError(this.endpoint, `more than ${MAX_THREADS} threads listed`);
        ids.push(id);
      }
      reply = await this.request('qsThreadInfo');
    }
    if (reply !== 'l') throw new ProtocolError(this.endpoint, `unexpected thread list reply ${JSON.stringify(reply.slice(0, 40))}`);
    return ids;
  }

  /** Select the CPU for register and memory packets. */
  async selectThread(thread: string): Promise<void> {
    expectOk(await this.request(`Hg${thread}`), `Hg${thread}`);
  }

  /** HMP command through the gdbstub (qRcmd); returns the monitor's text. */
  async monitor(commandLine: string): Promise<string> {
    const reply = await this.request(`qRcmd,${Buffer.from(commandLine, 'latin1').toString('hex')}`, { console: true });
    return reply;
  }

  /** Detach: QEMU removes breakpoints and resumes the guest. */
  async detach(): Promise<void> {
    expectOk(await this.request('D'), 'D');
    this.pausedGuest = false;
  }

  /** Called once when the connection ends (closed, lost, or refused for a protocol error). */
  onClose(listener: (err: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Why the connection ended, once it has. */
  get closeReason(): Error | undefined {
    return this.closedBy;
  }

  onStop(listener: (s: StopReply) => void): () => void {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  /** Detach if still attached (so the guest resumes), then close the socket. */
  async close(): Promise<void> {
    if (!this.closedBy && this.pausedGuest) {
      try {
        await Promise.race([this.detach(), new Promise((_, rej) => setTimeout(() => rej(new Error('detach timed out')), 1000).unref())]);
      } catch {
        // Closing anyway; QEMU keeps the VM stopped only while it believes a client is attached.
      }
    }
    this.destroy(new ConnectionLostError(this.endpoint, undefined, 'closed by the client'));
  }

  private enqueue(name: string, frame: Buffer | undefined, opts: { timeoutMs?: number; console?: boolean; expectsStop: boolean }): Promise<string> {
    const run = (): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        if (this.closedBy) {
          reject(new ConnectionLostError(this.endpoint, `gdb ${name}`, reasonOf(this.closedBy)));
          return;
        }
        const ms = opts.timeoutMs ?? this.timeoutMs;
        const timer = setTimeout(() => {
          this.inFlight = undefined;
          reject(new TimeoutError(this.endpoint, `gdb ${name}`, ms));
          // The late reply would be taken for the next request's: start over instead.
          this.destroy(new ConnectionLostError(this.endpoint, undefined, `closed after ${name} timed out`));
        }, ms);
        this.inFlight = { name, frame, resends: 0, console: opts.console ? [] : undefined, expectsStop: opts.expectsStop, resolve, reject, timer };
        this.sock.write(frame ?? Buffer.from([0x03]));
      });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private onData(d: Buffer): void {
    for (const ev of this.receiver.push(d)) {
      this.onWire(ev);
      if (this.closedBy) return;
    }
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    if (this.receiver.midPacket) {
      this.stallTimer = setTimeout(() => this.fail(new ProtocolError(this.endpoint, `packet started but not finished within ${this.stallMs} ms`)), this.stallMs);
    }
  }

  private onWire(ev: WireEvent): void {
    const cur = this.inFlight;
    switch (ev.kind) {
      case 'ack':
        return;
      case 'nak':
        if (!cur?.frame) return;
        if (++cur.resends > MAX_RESENDS) this.fail(new ProtocolError(this.endpoint, `${cur.name} rejected (-) ${MAX_RESENDS} times`));
        else this.sock.write(cur.frame);
        return;
      case 'garbage':
        this.fail(new ProtocolError(this.endpoint, `${ev.reason}: ${JSON.stringify(ev.bytes.toString('latin1'))}`));
        return;
      case 'packet':
        break;
    }
    if (!ev.checksumOk) {
      if (++this.badChecksums > MAX_RESENDS) this.fail(new ProtocolError(this.endpoint, `${this.badChecksums} packets with a bad checksum`));
      else this.sock.write('-');
      return;
    }
    this.badChecksums = 0;
    this.sock.write('+');
    const text = ev.payload.toString('latin1');
    if (cur?.console && text.startsWith('O') && text !== 'OK') {
      cur.consoleChars = (cur.consoleChars ?? 0) + (text.length - 1) / 2;
      if (cur.consoleChars > MAX_CONSOLE_CHARS) {
        this.fail(new ProtocolError(this.endpoint, `monitor output of ${cur.name} longer than ${MAX_CONSOLE_CHARS} characters`));
        return;
      }
      cur.console.push(Buffer.from(text.slice(1), 'hex').toString('latin1'));
      return;
    }
    // QEMU answers the first bytes sent to a running guest with a stop reply of its own
    // (T02: it paused the VM) before the real reply; that one belongs to nobody.
    if (!cur || (!cur.expectsStop && STOP_REPLY.test(text))) {
      this.unsolicited(text);
      return;
    }
    this.inFlight = undefined;
    clearTimeout(cur.timer);
    if (cur.console) {
      if (/^E[0-9a-fA-F]{2}$/.test(text)) cur.reject(new GdbErrorReply(cur.name, parseInt(text.slice(1), 16)));
      else cur.resolve(cur.console.join(''));
    } else cur.resolve(text);
  }

  private unsolicited(text: string): void {
    if (!/^[TSWX]/.test(text)) return;
    let stop: StopReply;
    try {
      stop = parseStopReply(text, this.endpoint);
    } catch (e) {
      // a stop reply nobody asked for, and not even a valid one: the stream cannot be trusted
      this.fail(e as Error);
      return;
    }
    // Any byte sent to a running guest stops it; QEMU then reports T02.
    if (stop.kind === 'T' || stop.kind === 'S') this.pausedGuest = true;
    for (const l of [...this.stopListeners]) {
      try {
        l(stop);
      } catch {
        // a listener's bug is not the peer's fault; the others still hear the stop
      }
    }
    if (stop.kind === 'W' || stop.kind === 'X') this.fail(new ConnectionLostError(this.endpoint, undefined, `QEMU exited (${text})`));
  }

  private fail(reason: Error): void {
    this.destroy(reason);
  }

  private destroy(reason: Error): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    clearTimeout(this.stallTimer);
    const cur = this.inFlight;
    this.inFlight = undefined;
    if (cur) {
      clearTimeout(cur.timer);
      cur.reject(reason instanceof ConnectionLostError ? new ConnectionLostError(this.endpoint, `gdb ${cur.name}`, reasonOf(reason)) : reason);
    }
    // pausedGuest stays as it was: without a `D` QEMU keeps the VM stopped after the socket closes.
    for (const l of [...this.closeListeners]) {
      try {
        l(reason);
      } catch {
        // see stopListeners
      }
    }
    this.sock.destroy();
  }
}

const reasonOf = (e: Error): string => e.message.replace(/^connection to \S+ lost: /, '');

function expectOk(reply: string, packet: string): void {
  if (reply === 'OK') return;
  if (/^E[0-9a-fA-F]{2}$/.test(reply)) throw new GdbErrorReply(packet, parseInt(reply.slice(1), 16));
  throw new Error(`gdbstub answered ${JSON.stringify(reply.slice(0, 40))} to ${packet}, expected OK`);
}

export function parseStopReply(raw: string, endpoint: string): StopReply {
  const m = /^([TSWX])([0-9a-fA-F]{2})(.*)$/.exec(raw);
  if (!m) throw new ProtocolError(endpoint, `not a stop reply: ${JSON.stringify(raw.slice(0, 40))}`);
  const thread = /(?:^|;)thread:([^;]+);/.exec(m[3])?.[1];
  return { kind: m[1] as StopReply['kind'], signal: parseInt(m[2], 16), thread, raw };
}

