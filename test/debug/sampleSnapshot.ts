// A live Snapshot made by takeSnapshot from QEMU 7.2's recorded answers (samples/qemu-7.2-vtd-net/
// qmp.json) and the guest pages its recorded VT-d walk read (vtd-walk.json), served by fake QMP
// and gdbstub peers: the liveView tests start from what the real adapter would have.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { parseJsonLossless, stringifyJson, type JsonValue } from '../../src/qemu/qmp/losslessJson.js';
import { takeSnapshot, type Snapshot } from '../../src/qemu/snapshot/index.js';
import { fakePeer, gdbServer, qmpServer } from '../qemu/fakePeers.js';
import { vtdRegisterBlock } from '../qemu/sampleAnswers.js';

type Obj = { [k: string]: JsonValue };
const recorded = parseJsonLossless(readFileSync('samples/qemu-7.2-vtd-net/qmp.json', 'utf8')) as Obj;

export const WALK = JSON.parse(readFileSync('samples/qemu-7.2-vtd-net/vtd-walk.json', 'utf8')) as {
  rtaddr: string;
  pages: Record<string, string>;
  translations: { device: string; pci: string; queue: number; field: string; iova: string; gpa: string; how: string }[];
};

/** QEMU's `info mtree -f` answer as recorded. */
export const MTREE_F = (recorded['info mtree -f'] as Obj).answer as Obj;

// What the recording lacks, chosen consistent with it: the proxy's devfn (mtree names its DMA
// region vtd-02.0), host addresses (7.2 prints none; gpa2hva would) and the VT-d registers.
const NET_DEVFN = 0x10;
export const PC_RAM_HVA = 0x7f12_0000_0000n;
const VTD_BASE = 0xfed90000n;


function recordedAnswer(execute: string, args: Record<string, unknown> | undefined): Obj | undefined {
  for (const [key, v] of Object.entries(recorded)) {
    if (key === 'greeting') continue;
    const e = v as Obj;
    if (e.execute === execute && stringifyJson(e.arguments ?? {}) === stringifyJson((args ?? {}) as JsonValue)) return e.answer as Obj;
  }
  return undefined;
}

function gpa2hva(gpa: bigint): string {
  if (gpa < 0x2000_0000n) return `Host virtual address for 0x${gpa.toString(16)} (pc.ram) is 0x${(PC_RAM_HVA + gpa).toString(16)}\r\n`;
  return `No memory is mapped at address 0x${gpa.toString(16)}\r\n`;
}

async function fakeQmp(): Promise<string> {
  const peer = await fakePeer(
    qmpServer((s: Socket, cmd) => {
      const line = String(cmd.arguments?.['command-line'] ?? '');
      let answer: Obj | undefined;
      if (cmd.execute === 'qom-get' && cmd.arguments?.property === 'addr') answer = { return: NET_DEVFN };
      else if (cmd.execute === 'human-monitor-command' && line.startsWith('gpa2hva ')) answer = { return: gpa2hva(BigInt(line.slice(8))) };
      else answer = recordedAnswer(cmd.execute, cmd.arguments);
      answer ??= { error: { class: 'CommandNotFound', desc: `fake: nothing recorded for ${cmd.execute}` } };
      s.write(stringifyJson({ ...answer, id: cmd.id as JsonValue }) + '\r\n');
    }),
  );
  return peer.endpoint;
}

async function fakeGdb(): Promise<string> {
  const pages = new Map(Object.entries(WALK.pages).map(([k, v]) => [BigInt(k), Buffer.from(v, 'hex')]));
  let phys = false;
  const peer = await fakePeer(
    gdbServer((p) => {
      if (p.startsWith('qSupported')) return 'PacketSize=1000;qXfer:features:read+';
      if (p === 'qqemu.PhyMemMode') return phys ? '1' : '0';
      if (p.startsWith('Qqemu.PhyMemMode:')) return (phys = p.endsWith(':1')), 'OK';
      if (p === 'D') return 'OK';
      const m = /^m([0-9a-f]+),([0-9a-f]+)$/.exec(p);
      if (!m || !phys) return m ? 'E0e' : '';
      const addr = BigInt('0x' + m[1]);
      const len = parseInt(m[2]!, 16);
      if (addr === VTD_BASE && len <= 0x28) return vtdRegisterBlock(BigInt(WALK.rtaddr)).subarray(0, len).toString('hex');
      const page = pages.get(addr & ~0xfffn);
      const off = Number(addr & 0xfffn);
      if (!page || off + len > 0x1000) return 'E0e';
      return page.subarray(off, off + len).toString('hex');
    }),
  );
  return peer.endpoint;
}

/** A snapshot with the gdbstub (VT-d walks done) or without it (QMP only, as while running). */
export async function sampleSnapshot(withGdb: boolean): Promise<Snapshot> {
  const qmp = await QmpClient.connect(await fakeQmp());
  const gdb = withGdb ? await GdbClient.connect(await fakeGdb()) : undefined;
  try {
    return await takeSnapshot({ qmp, gdb });
  } finally {
    await gdb?.close();
    qmp.close();
  }
}
