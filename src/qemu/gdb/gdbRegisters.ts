// Register reads. The layout comes from the stub's target description when it offers one
// (qXfer:features:read), else from the fixed x86-64 order.
import { GdbErrorReply, ProtocolError } from '../errors.js';
import { fromHex } from './packet.js';
import { X86_64_FIXED_LAYOUT, decodeRegisters, parseTargetRegisters, targetIncludes, type RegisterDesc } from './x86Registers.js';
import type { GdbClient } from './gdbClient.js';

export class GdbRegisters {
  private layout: RegisterDesc[] | undefined;
  constructor(private readonly gdb: GdbClient) {}

  /** Read one target-description file through qXfer, chunk by chunk. */
  async readFeatureFile(annex: string): Promise<string> {
    let text = '';
    const len = Math.max(64, Math.floor((this.gdb.packetSize - 5) / 2));
    for (let guard = 0; guard < 1024; guard++) {
      const reply = await this.gdb.request(`qXfer:features:read:${annex}:${text.length.toString(16)},${len.toString(16)}`);
      if (/^E[0-9a-fA-F]{2}$/.test(reply)) throw new GdbErrorReply(`qXfer:features:read:${annex}`, parseInt(reply.slice(1), 16));
      if (reply === '') throw new Error(`gdbstub at ${this.gdb.endpoint} has no target description`);
      const kind = reply[0];
      if (kind !== 'm' && kind !== 'l') throw new ProtocolError(this.gdb.endpoint, `bad qXfer reply ${JSON.stringify(reply.slice(0, 40))}`);
      // The receiver already undid escapes; the data is plain text.
      text += reply.slice(1);
      if (kind === 'l') return text;
    }
    throw new ProtocolError(this.gdb.endpoint, `qXfer:features:read:${annex} never ended`);
  }

  /** Register layout: target.xml and its includes, or the fixed x86-64 order. */
  async describe(): Promise<RegisterDesc[]> {
    if (this.layout) return this.layout;
    let layout: RegisterDesc[] = [];
    if (this.gdb.supported.get('qXfer:features:read') === '+') {
      const top = await this.readFeatureFile('target.xml');
      layout = parseTargetRegisters(top);
      for (const inc of targetIncludes(top)) {
        const next = layout.length ? Math.max(...layout.map((r) => r.regnum)) + 1 : 0;
        layout.push(...parseTargetRegisters(await this.readFeatureFile(inc), next));
      }
    }
    if (!layout.some((r) => r.name === 'rip')) layout = X86_64_FIXED_LAYOUT;
    this.layout = layout;
    return layout;
  }

  /** All `g` registers of the selected (or given) vCPU, by name. */
  async read(thread?: string): Promise<Map<string, bigint>> {
    const layout = await this.describe();
    if (thread !== undefined) await this.gdb.selectThread(thread);
    const reply = await this.gdb.request('g');
    if (/^E[0-9a-fA-F]{2}$/.test(reply)) throw new GdbErrorReply('g', parseInt(reply.slice(1), 16));
    // Unavailable registers come as "xx"; read them as zero rather than failing the whole set.
    const bytes = fromHex(reply.replace(/xx/g, '00'));
    if (!bytes) throw new ProtocolError(this.gdb.endpoint, `g reply is not hex: ${JSON.stringify(reply.slice(0, 40))}`);
    const regs = decodeRegisters(bytes, layout);
    if (!regs.has('rip')) throw new ProtocolError(this.gdb.endpoint, `g reply too short for rip (${bytes.length} bytes)`);
    return regs;
  }
}

