// QMP client: greeting → qmp_capabilities → command mode. Replies are matched to requests by id;
// events (no id) go to listeners and are never taken for replies. Every failure of the
// connection rejects every outstanding request, so nothing waits forever.
import { StringDecoder } from 'node:string_decoder';
import { openSocket, parseEndpoint, formatEndpoint, type Endpoint } from '../endpoint.js';
import { guard, socketChannel, type ByteChannel, type ChannelOpener } from '../channel.js';
import { DEFAULT_TIMEOUT_MS } from '../timeouts.js';
import { ConnectionLostError, ProtocolError, QmpCommandError, TimeoutError } from '../errors.js';
import { JsonObjectStream } from './jsonStream.js';
import { parseJsonLossless, stringifyJson, type JsonValue } from './losslessJson.js';

export interface QmpVersion {
  major: number;
  minor: number;
  micro: number;
  package: string;
}

export interface QmpEvent {
  event: string;
  data: JsonValue | undefined;
  /** Host wall clock in microseconds since the epoch; undefined when QEMU sent -1/-1. */
  timestampUs: number | undefined;
}

export interface QmpOptions {
  /** Per-command limit, default DEFAULT_TIMEOUT_MS (2 s). */
  timeoutMs?: number;
  /** Limit for connect + greeting + capabilities, default DEFAULT_TIMEOUT_MS (2 s). */
  connectTimeoutMs?: number;
  /** How to reach the endpoint (default: a socket); tests pass a scripted peer. */
  open?: ChannelOpener;
}

interface Pending {
  command: string;
  resolve: (v: JsonValue) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** the silence allowed */
  ms: number;
  /** when even a peer that keeps sending has taken too long (see REPLY_CAP) */
  capAt: number;
}

/**
 * The timeout is a silence: a big legal reply (a 100k-line `info mtree -f`) that keeps arriving is
 * waited for. A peer dripping bytes cannot hold a command longer than this many timeouts (at
 * least a minute); the reply's size is bounded separately by the JSON stream.
 */
const REPLY_CAP = 30;
const replyCapMs = (ms: number): number => Math.max(ms * REPLY_CAP, 60_000);

type Obj = { [k: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v !== 'bigint';

export class QmpClient {
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(e: QmpEvent) => void>();
  private readonly closeListeners = new Set<(err: Error) => void>();
  private readonly stream = new JsonObjectStream();
  private nextId = 1;
  private closedBy: Error | undefined;
  private greetingWaiter: ((msg: Obj | Error) => void) | undefined;
  readonly endpoint: string;
  version: QmpVersion | undefined;
  capabilities: string[] = [];

  private readonly decoder = new StringDecoder('utf8');

  private constructor(private readonly sock: ByteChannel, endpoint: string, private readonly timeoutMs: number) {
    this.endpoint = endpoint;
    const onFault = (e: Error): void => this.protocolFailure(`cannot handle QEMU's data: ${e.message}`);
    sock.onData(guard((chunk: Buffer) => this.onData(this.decoder.write(chunk)), onFault));
    sock.onClose(guard((reason: string) => this.fail(new ConnectionLostError(this.endpoint, undefined, reason)), onFault));
  }

  /** Connect, read the greeting, negotiate capabilities. Rejects with a typed error naming the endpoint. */
  static async connect(endpoint: string | Endpoint, opts: QmpOptions = {}): Promise<QmpClient> {
    const ep = typeof endpoint === 'string' ? parseEndpoint(endpoint) : endpoint;
    const connectMs = opts.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + connectMs;
    const channel = opts.open ? await opts.open(ep, connectMs) : socketChannel(await openSocket(ep, connectMs), 'QEMU');
    const client = new QmpClient(channel, formatEndpoint(ep), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    try {
      const greeting = await client.waitGreeting(Math.max(1, deadline - Date.now()));
      client.takeGreeting(greeting);
      await client.execute('qmp_capabilities', undefined, { timeoutMs: Math.max(1, deadline - Date.now()) });
      return client;
    } catch (e) {
      client.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Run a QMP command; resolves with its `return` value. */
  execute(command: string, args?: Record<string, unknown>, opts: { timeoutMs?: number } = {}): Promise<JsonValue> {
    if (this.closedBy) return Promise.reject(new ConnectionLostError(this.endpoint, `QMP ${command}`, reasonText(this.closedBy)));
    const id = this.nextId++;
    const ms = opts.timeoutMs ?? this.timeoutMs;
    return new Promise<JsonValue>((resolve, reject) => {
      const p: Pending = { command, resolve, reject, timer: undefined as unknown as ReturnType<typeof setTimeout>, ms, capAt: Date.now() + replyCapMs(ms) };
      this.pending.set(id, p);
      this.armTimer(id, p, ms);
      const msg: Record<string, unknown> = { execute: command, id };
      if (args !== undefined) msg.arguments = args;
      this.sock.write(stringifyJson(msg) + '\n');
    });
  }

  /** Listen to asynchronous events (STOP, RESUME, SHUTDOWN…). Returns an unsubscribe function. */
  onEvent(listener: (e: QmpEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Called once when the connection ends, with the reason. */
  onClose(listener: (err: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Wait for the next event with this name (e.g. "STOP"). */
  waitForEvent(name: string, ms = this.timeoutMs): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const off = this.onEvent((e) => {
        if (e.event !== name) return;
        cleanup();
        resolve(e);
      });
      const offClose = this.onClose((err) => {
        cleanup();
        reject(err);
      });
      const timer = setTimeout(() => {
        cleanup();
        reject(new TimeoutError(this.endpoint, `event ${name}`, ms));
      }, ms);
      const cleanup = (): void => {
        off();
        offClose();
        clearTimeout(timer);
      };
    });
  }

  close(): void {
    this.fail(new ConnectionLostError(this.endpoint, undefined, 'closed by the client'));
  }

  private waitGreeting(ms: number): Promise<Obj> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greetingWaiter = undefined;
        reject(new TimeoutError(this.endpoint, 'QMP greeting', ms));
      }, ms);
      this.greetingWaiter = (msg) => {
        clearTimeout(timer);
        this.greetingWaiter = undefined;
        if (msg instanceof Error) reject(msg);
        else resolve(msg);
      };
    });
  }

  private takeGreeting(msg: Obj): void {
    const qmp = msg.QMP;
    if (!isObj(qmp)) throw new ProtocolError(this.endpoint, 'first message is not a QMP greeting');
    const v = isObj(qmp.version) ? qmp.version : {};
    const q = isObj(v.qemu) ? v.qemu : {};
    this.version = {
      major: Number(q.major ?? 0),
      minor: Number(q.minor ?? 0),
      micro: Number(q.micro ?? 0),
      package: typeof v.package === 'string' ? v.package : '',
    };
    this.capabilities = Array.isArray(qmp.capabilities) ? qmp.capabilities.filter((c): c is string => typeof c === 'string') : [];
  }

  /** (Re)start a command's silence timer; past its cap, what it waits for is refused. */
  private armTimer(id: number, p: Pending, ms: number): void {
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      // A late reply then carries an unknown id and is dropped, as the QMP spec asks.
      this.pending.delete(id);
      p.reject(
        Date.now() >= p.capAt
          ? new TimeoutError(this.endpoint, `QMP ${p.command}`, replyCapMs(p.ms), 'no complete answer within')
          : new TimeoutError(this.endpoint, `QMP ${p.command}`, p.ms),
      );
    }, ms);
  }

  /** Bytes arrived: QMP answers in order, so they belong to the oldest command; its silence restarts. */
  private heard(): void {
    const first = this.pending.entries().next();
    if (first.done) return;
    const [id, p] = first.value;
    const left = p.capAt - Date.now();
    this.armTimer(id, p, Math.max(0, Math.min(p.ms, left)));
  }

  private onData(chunk: string): void {
    if (chunk.length > 0) this.heard();
    let texts: string[];
    try {
      texts = this.stream.push(chunk);
    } catch (e) {
      this.protocolFailure(`not a JSON object stream: ${(e as Error).message}`);
      return;
    }
    for (const text of texts) {
      let msg: JsonValue;
      try {
        msg = parseJsonLossless(text);
      } catch (e) {
        this.protocolFailure((e as Error).message);
        return;
      }
      if (!isObj(msg)) continue;
      this.dispatch(msg);
      if (this.closedBy) return;
    }
  }

  private dispatch(msg: Obj): void {
    if (this.greetingWaiter) {
      this.greetingWaiter(msg);
      return;
    }
    if (typeof msg.event === 'string') {
      const ts = isObj(msg.timestamp) ? msg.timestamp : undefined;
      const sec = Number(ts?.seconds ?? -1);
      const us = Number(ts?.microseconds ?? -1);
      const event: QmpEvent = { event: msg.event, data: msg.data, timestampUs: sec < 0 ? undefined : sec * 1e6 + us };
      for (const l of [...this.eventListeners]) {
        try {
          l(event);
        } catch {
          // a listener's bug must not stop the other listeners or the reply dispatch
        }
      }
      return;
    }
    if (!('return' in msg) && !('error' in msg)) return; // unknown message kind: ignore, as the spec asks
    let id = typeof msg.id === 'number' ? msg.id : undefined;
    // An error without id is QEMU failing to parse our request; it belongs to the oldest one.
    if (msg.id === undefined && 'error' in msg) id = this.pending.keys().next().value;
    if (id === undefined) return;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if ('error' in msg) {
      const err = isObj(msg.error) ? msg.error : {};
      p.reject(new QmpCommandError(p.command, String(err.class ?? 'GenericError'), String(err.desc ?? '(no description)')));
    } else {
      p.resolve(msg.return);
    }
  }

  private protocolFailure(detail: string): void {
    this.fail(new ProtocolError(this.endpoint, detail));
  }

  private fail(reason: Error): void {
    if (this.closedBy) return;
    this.closedBy = reason;
    this.greetingWaiter?.(reason);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(reason instanceof ConnectionLostError ? new ConnectionLostError(this.endpoint, `QMP ${p.command}`, reasonText(reason)) : reason);
    }
    this.sock.destroy();
    for (const l of [...this.closeListeners]) {
      try {
        l(reason);
      } catch {
        // see the event listeners
      }
    }
  }
}

const reasonText = (e: Error): string => e.message.replace(/^connection to \S+ lost: /, '');
