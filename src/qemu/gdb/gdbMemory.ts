// Memory through the gdbstub: `m`/`M` split to fit the stub's packet size, and QEMU's
// PhyMemMode for guest-physical addresses. PhyMemMode is a global flag in QEMU that survives
// disconnects, so it is always put back the way we found it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { accessFits, add64, hex, U64_MAX } from '../../model/u64.js';
import { GdbErrorReply, ProtocolError } from '../errors.js';
import { fromHex, toHex } from './packet.js';
import type { GdbClient } from './gdbClient.js';

export class GdbMemory {
  // Physical sections run one at a time (the mode is global); the store tells a nested call
  // from a concurrent one.
  private physicalLock: Promise<unknown> = Promise.resolve();
  private readonly insidePhysical = new AsyncLocalStorage<GdbMemory>();
  constructor(private readonly gdb: GdbClient) {}

  /**
   * Bytes per `m` request: the hex reply must fit PacketSize, and QEMU refuses (E22) requests
   * above MAX_PACKET_LENGTH/2; keep a margin for framing.
   */
  get chunk(): number {
    return Math.max(16, Math.floor(this.gdb.packetSize / 2) - 16);
  }

  /** Read `len` bytes at `addr` in the current mode (virtual unless inside physical()). */
  async read(addr: bigint, len: number): Promise<Uint8Array> {
    checkLen(len);
    checkRange(addr, len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = add64(addr, BigInt(done));
      const want = Math.min(this.chunk, len - done);
      const packet = `m${at.toString(16)},${want.toString(16)}`;
      const reply = await this.gdb.request(packet);
      if (/^E[0-9a-fA-F]{2}$/.test(reply)) throw new GdbErrorReply(packet, parseInt(reply.slice(1), 16), at);
      const bytes = fromHex(reply);
      if (!bytes || bytes.length === 0 || bytes.length > want) {
        throw new ProtocolError(this.gdb.endpoint, `bad reply to ${packet} at ${hex(at)}: ${JSON.stringify(reply.slice(0, 40))}`);
      }
      // Other stubs may return fewer bytes than asked; continue from where they stopped.
      out.set(bytes, done);
      done += bytes.length;
    }
    return out;
  }

  async write(addr: bigint, data: Uint8Array): Promise<void> {
    checkRange(addr, data.length);
    // Hex doubles the size and the header takes some room.
    const chunk = Math.max(16, Math.floor((this.gdb.packetSize - 40) / 2));
    for (let done = 0; done < data.length; done += chunk) {
      const at = add64(addr, BigInt(done));
      const part = data.subarray(done, Math.min(data.length, done + chunk));
      const packet = `M${at.toString(16)},${part.length.toString(16)}`;
      const reply = await this.gdb.request(`${packet}:${toHex(part)}`);
      if (/^E[0-9a-fA-F]{2}$/.test(reply)) throw new GdbErrorReply(packet, parseInt(reply.slice(1), 16), at);
      if (reply !== 'OK') throw new ProtocolError(this.gdb.endpoint, `bad reply to ${packet}: ${JSON.stringify(reply.slice(0, 40))}`);
    }
  }

  /** Current PhyMemMode (true: addresses are guest-physical). */
  async physicalMode(): Promise<boolean> {
    const r = await this.gdb.request('qqemu.PhyMemMode');
    if (r === '') throw new Error(`gdbstub at ${this.gdb.endpoint} does not support qqemu.PhyMemMode (QEMU < 4.1 or not QEMU)`);
    if (r !== '0' && r !== '1') throw new ProtocolError(this.gdb.endpoint, `qqemu.PhyMemMode answered ${JSON.stringify(r)}`);
    return r === '1';
  }

  async setPhysicalMode(on: boolean): Promise<void> {
    const r = await this.gdb.request(`Qqemu.PhyMemMode:${on ? 1 : 0}`);
    if (r !== 'OK') throw new Error(`Qqemu.PhyMemMode:${on ? 1 : 0} answered ${JSON.stringify(r)} on ${this.gdb.endpoint}`);
  }

  /**
   * Run `fn` with guest-physical addressing, restoring the previous mode afterwards whatever
   * happens. Concurrent sections queue behind each other; nested ones share the switch.
   */
  physical<T>(fn: () => Promise<T>): Promise<T> {
    if (this.insidePhysical.getStore() === this) return fn();
    const run = (): Promise<T> => this.insidePhysical.run(this, () => this.switched(fn));
    const p = this.physicalLock.then(run, run);
    this.physicalLock = p.catch(() => undefined);
    return p;
  }

  private async switched<T>(fn: () => Promise<T>): Promise<T> {
    const before = await this.physicalMode();
    if (!before) await this.setPhysicalMode(true);
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      if (!before) await this.setPhysicalMode(false).catch(() => undefined); // keep the first error
      throw e;
    }
    if (!before) await this.setPhysicalMode(false);
    return result;
  }

  /** Read guest-physical memory (system address space: what the CPUs see, not a device's IOVA space). */
  readPhysical(gpa: bigint, len: number): Promise<Uint8Array> {
    return this.physical(() => this.read(gpa, len));
  }
}

function checkRange(addr: bigint, len: number): void {
  if (!accessFits(addr, len)) {
    throw new RangeError(`memory access of ${len} byte(s) at ${hex(addr & U64_MAX)} would wrap around the 64-bit address space`);
  }
}

function checkLen(len: number): void {
  if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`memory read length ${len} is not a non-negative integer`);
}
