// QemuMemory through the user's own C/C++ debug session on QEMU (Eclipse CDT GDB, cppdbg,
// CodeLLDB, any DAP adapter that answers `evaluate` and `readMemory`): symbols and layouts are
// C expressions evaluated in the stopped frame (`sizeof(T)`, `&((T *)0)->field`, `&sym`), bytes
// come from `readMemory`. QEMU stays stopped in the user's hands; nothing inside it is called.
// Every request is bounded: a timeout each, a few in flight at a time, a byte budget per stop.
import type { QemuMemory } from '../qemuMemory.js';
import { notPlainRead, plainNumber, PLAIN_FIELD, PLAIN_SYMBOL, PLAIN_TYPE } from '../plainExpression.js';
import { CSessionError, noDebugInfo, noReadMemory, notStopped } from './cSessionErrors.js';

/** How the transport talks to the session: one DAP request, its body or the adapter's refusal. */
export interface DapRequester {
  request(command: string, args: Record<string, unknown>): Promise<unknown>;
}

export interface CSessionMemoryOptions {
  /** the session's name and debug type, for messages */
  session: string;
  adapter: string;
  /** the stopped frame expressions are evaluated in */
  frameId: number;
  /** QEMU's pid when the session's configuration says it (messages only) */
  pid?: number;
  /** the adapter's `supportsReadMemoryRequest` capability; undefined when unknown (then tried) */
  supportsReadMemory: boolean | undefined;
  /** put before every expression: CodeLLDB evaluates C only with "/nat " */
  expressionPrefix?: string;
  /** false once the session runs again: every later request is refused before it is sent */
  isStopped?: () => boolean;
  /** per request (default 10 s) */
  timeoutMs?: number;
  /** requests in flight at once (default 8) */
  maxInFlight?: number;
  /**
   * Layouts (sizes, offsets, version probes) kept across stops of the same session: the binary
   * does not change, and a probe the debug info answers "no such field" (a notification in some
   * editors) is then asked once per session, not at every stop.
   */
  layouts?: Map<string, Promise<bigint>>;
  /** bytes read per readMemory request (default 64 KiB) and in all (default 256 MiB) */
  chunkBytes?: number;
  budgetBytes?: number;
}

const RUNNING = /\brunning\b|not stopped|process is not stopped|must be stopped|Cannot access memory while|while the target is running/i;

interface EvaluateBody {
  result?: unknown;
}
interface ReadMemoryBody {
  address?: unknown;
  data?: unknown;
  unreadableBytes?: unknown;
}

export class CSessionMemory implements QemuMemory {
  readonly pid: number;
  private readonly layoutCache: Map<string, Promise<bigint>>;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private bytesRead = 0;
  /** requests sent, for the bounds' tests */
  readonly counts = { evaluate: 0, readMemory: 0 };

  private constructor(private readonly dap: DapRequester, private readonly opts: CSessionMemoryOptions) {
    this.pid = opts.pid ?? 0;
    this.layoutCache = opts.layouts ?? new Map();
  }

  /** Check the session can be read (stopped, readMemory, QEMU's debug information) and open it. */
  static async open(dap: DapRequester, opts: CSessionMemoryOptions): Promise<CSessionMemory> {
    if (opts.isStopped && !opts.isStopped()) throw notStopped(opts.session, 'no stop to read at');
    if (opts.supportsReadMemory === false) throw noReadMemory(opts.session, opts.adapter);
    const mem = new CSessionMemory(dap, opts);
    await mem.checkDebugInfo();
    return mem;
  }

  private async checkDebugInfo(): Promise<void> {
    let answer: string;
    try {
      await this.sizeOf('AddressSpace');
      return;
    } catch (e) {
      if (!(e instanceof CSessionError) || e.reason !== 'refused') throw e;
      answer = e.answer ?? e.message;
    }
    if (/No symbol table/i.test(answer)) throw noDebugInfo(this.opts.session, answer);
    try {
      await this.number('&address_space_memory', 'address of address_space_memory');
    } catch (e) {
      if (e instanceof CSessionError && e.reason === 'refused') throw new CSessionError('not-qemu', this.opts.session, `the debuggee has neither the AddressSpace type nor address_space_memory ("${answer}"): it is not a QEMU system emulator with debug information`);
      throw e;
    }
    throw noDebugInfo(this.opts.session, answer);
  }

  private name(): string {
    return this.opts.session;
  }

  /** One request: refused while the session runs, bounded in time and in concurrency. */
  private async send(command: string, args: Record<string, unknown>, what: string): Promise<unknown> {
    if (this.opts.isStopped && !this.opts.isStopped()) throw notStopped(this.name(), what);
    while (this.inFlight >= (this.opts.maxInFlight ?? 8)) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    const ms = this.opts.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.dap.request(command, args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new CSessionError('timeout', this.name(), `${what}: the ${this.opts.adapter} adapter did not answer ${command} within ${ms} ms`)), ms);
        }),
      ]);
    } catch (e) {
      if (e instanceof CSessionError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if (RUNNING.test(msg) || (this.opts.isStopped && !this.opts.isStopped())) throw notStopped(this.name(), `${what}: ${msg}`);
      if (command === 'readMemory' && /not support|unrecognized request|unknown request|readMemory/i.test(msg) && !/Cannot access|cannot read|unable to read/i.test(msg)) throw noReadMemory(this.name(), this.opts.adapter);
      throw new CSessionError('refused', this.name(), `${what}: ${msg}`, msg);
    } finally {
      clearTimeout(timer);
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async number(expr: string, what: string): Promise<bigint> {
    const refused = notPlainRead(expr);
    if (refused !== undefined) throw new CSessionError('refused', this.name(), refused);
    const expression = `${this.opts.expressionPrefix ?? ''}(unsigned long)(${expr})`;
    this.counts.evaluate++;
    const body = (await this.send('evaluate', { expression, frameId: this.opts.frameId, context: 'watch' }, what)) as EvaluateBody | undefined;
    const printed = typeof body?.result === 'string' ? body.result : '';
    const n = plainNumber(printed);
    if (n === undefined) throw new CSessionError('refused', this.name(), `${what}: the debugger answered "${printed.trim().slice(0, 120)}", not a number`, printed.trim().slice(0, 120));
    return n;
  }

  sizeOf(type: string): Promise<bigint> {
    if (!PLAIN_TYPE.test(type)) return Promise.reject(new CSessionError('refused', this.name(), `not a type name: ${type}`));
    return this.cached(`sizeof ${type}`, () => this.number(`sizeof(${type})`, `sizeof(${type})`));
  }

  offsetOf(type: string, field: string): Promise<bigint> {
    if (!PLAIN_TYPE.test(type) || !PLAIN_FIELD.test(field)) return Promise.reject(new CSessionError('refused', this.name(), `not a type/field: ${type} ${field}`));
    return this.cached(`${type}::${field}`, () => this.number(`&((${type} *)0)->${field}`, `offset of ${type}.${field}`));
  }

  private cached(key: string, f: () => Promise<bigint>): Promise<bigint> {
    let p = this.layoutCache.get(key);
    if (!p) {
      p = f();
      this.layoutCache.set(key, p);
      // a refusal is an answer (a version probe); a session that ran or timed out is asked again
      p.catch((e: unknown) => {
        if (e instanceof CSessionError && e.reason !== 'refused') this.layoutCache.delete(key);
      });
    }
    return p;
  }

  addressOf(symbol: string): Promise<bigint> {
    if (!PLAIN_SYMBOL.test(symbol)) return Promise.reject(new CSessionError('refused', this.name(), `not a symbol name: ${symbol}`));
    return this.number(`&${symbol}`, `address of ${symbol}`);
  }

  evaluate(expr: string): Promise<bigint> {
    return this.number(expr, expr);
  }

  async read(addr: bigint, len: number): Promise<Uint8Array> {
    const what = `${len} bytes at 0x${addr.toString(16)}`;
    if (len === 0) return new Uint8Array(0);
    if (!Number.isSafeInteger(len) || len < 0 || len > 16 << 20) throw new CSessionError('too-much', this.name(), `refusing to read ${what}`);
    const budget = this.opts.budgetBytes ?? 256 << 20;
    if (this.bytesRead + len > budget) throw new CSessionError('too-much', this.name(), `reading ${what} would pass the ${budget >= 1 << 20 ? `${budget >> 20} MiB` : `${budget} bytes`} read at one stop`);
    this.bytesRead += len;
    const chunk = this.opts.chunkBytes ?? 64 << 10;
    const parts: Promise<Uint8Array>[] = [];
    for (let off = 0; off < len; off += chunk) parts.push(this.readChunk(addr + BigInt(off), Math.min(chunk, len - off)));
    const out = new Uint8Array(len);
    (await Promise.all(parts)).forEach((p, i) => out.set(p, i * chunk));
    return out;
  }

  private async readChunk(addr: bigint, count: number): Promise<Uint8Array> {
    const what = `${count} bytes at 0x${addr.toString(16)}`;
    this.counts.readMemory++;
    const body = (await this.send('readMemory', { memoryReference: `0x${addr.toString(16)}`, count }, `reading ${what}`)) as ReadMemoryBody | undefined;
    const data = typeof body?.data === 'string' ? Buffer.from(body.data, 'base64') : Buffer.alloc(0);
    let at: bigint | undefined;
    try {
      at = typeof body?.address === 'string' ? BigInt(body.address) : undefined;
    } catch {
      at = undefined;
    }
    if (at !== undefined && at !== addr) throw new CSessionError('refused', this.name(), `reading ${what}: the adapter answered with bytes at ${String(body?.address)}`);
    if (data.length < count) throw new CSessionError('refused', this.name(), `reading ${what}: only ${data.length} of them are readable${typeof body?.unreadableBytes === 'number' ? ` (${body.unreadableBytes} unreadable)` : ''}`);
    return new Uint8Array(data.buffer, data.byteOffset, count);
  }
}
