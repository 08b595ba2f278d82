// takeSnapshot assembled against QEMU 7.2's recorded answers (samples/qemu-7.2-vtd-net/qmp.json)
// and the guest pages the recorded VT-d walk read (vtd-walk.json), served by fake QMP and
// gdbstub peers. Ring translations must equal the recorded walk, which QEMU's own
// vtd_dmar_translate lines agree with.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { parseJsonLossless, stringifyJson, type JsonValue } from '../../src/qemu/qmp/losslessJson.js';
import { ConnectionLostError } from '../../src/qemu/errors.js';
import { takeSnapshot, snapshotJson, snapshotText, NO_GDB_REASON, type Snapshot } from '../../src/qemu/snapshot/index.js';
import { snapshotCommand } from '../../src/cli/commands/snapshot.js';
import { runLiveResolve } from '../../src/cli/commands/liveResolve.js';
import { parseArgs } from '../../src/cli/args.js';
import type { CliIO } from '../../src/cli/io.js';
import { closeAllPeers, fakePeer, gdbServer, qmpServer, rejectionGuard } from './fakePeers.js';
import { vtdRegisterBlock } from './sampleAnswers.js';

const guard = rejectionGuard();
after(async () => {
  await closeAllPeers();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

type Obj = { [k: string]: JsonValue };
const recorded = parseJsonLossless(readFileSync('samples/qemu-7.2-vtd-net/qmp.json', 'utf8')) as Obj;
const walk = JSON.parse(readFileSync('samples/qemu-7.2-vtd-net/vtd-walk.json', 'utf8')) as {
  rtaddr: string;
  pages: Record<string, string>;
  translations: { device: string; pci: string; queue: number; field: string; iova: string; gpa: string; how: string }[];
};
const NET = '/machine/peripheral-anon/device[1]/virtio-backend';

// Inputs the recording lacks, chosen to be consistent with it: the proxy's devfn (mtree names
// its DMA region vtd-02.0) and pc.ram's host address (7.2 prints none; gpa2hva would).
const NET_DEVFN = 0x10;
const HVA_BASE: Record<string, bigint> = { 'pc.ram': 0x7f12_0000_0000n, '0000:00:01.0/vga.vram': 0x7f13_0000_0000n, 'pc.bios': 0x7f14_0000_0000n };
const VTD_BASE = 0xfed90000;
const RTADDR = BigInt(walk.rtaddr);


const sameArgs = (a: JsonValue | undefined, b: Record<string, unknown> | undefined): boolean => stringifyJson(a ?? {}) === stringifyJson(b ?? {});

function recordedAnswer(execute: string, args: Record<string, unknown> | undefined): Obj | undefined {
  for (const [key, v] of Object.entries(recorded)) {
    if (key === 'greeting') continue;
    const e = v as Obj;
    if (e.execute === execute && sameArgs(e.arguments, args)) return e.answer as Obj;
  }
  return undefined;
}

/** gpa2hva as 7.2 would answer it for the fake HVAs above (the block is found by GPA). */
function gpa2hva(gpa: bigint): string {
  if (gpa < 0x2000_0000n) return `Host virtual address for 0x${gpa.toString(16)} (pc.ram) is 0x${(HVA_BASE['pc.ram']! + gpa).toString(16)}\r\n`;
  if (gpa >= 0xfd00_0000n && gpa < 0xfe00_0000n) return `Host virtual address for 0x${gpa.toString(16)} (vga.vram) is 0x${(HVA_BASE['0000:00:01.0/vga.vram']! + gpa - 0xfd00_0000n).toString(16)}\r\n`;
  if (gpa >= 0xfffc_0000n) return `Host virtual address for 0x${gpa.toString(16)} (pc.bios) is 0x${(HVA_BASE['pc.bios']! + gpa - 0xfffc_0000n).toString(16)}\r\n`;
  return `No memory is mapped at address 0x${gpa.toString(16)}\r\n`;
}

async function fakeQmp(seen: string[] = []) {
  return fakePeer(
    qmpServer((s: Socket, cmd) => {
      seen.push(cmd.execute === 'human-monitor-command' ? String(cmd.arguments?.['command-line']) : cmd.execute);
      let answer: Obj | undefined;
      const line = String(cmd.arguments?.['command-line'] ?? '');
      if (cmd.execute === 'qom-get' && cmd.arguments?.property === 'addr') answer = { return: NET_DEVFN };
      else if (cmd.execute === 'human-monitor-command' && line.startsWith('gpa2hva ')) answer = { return: gpa2hva(BigInt(line.slice(8))) };
      else answer = recordedAnswer(cmd.execute, cmd.arguments);
      answer ??= { error: { class: 'CommandNotFound', desc: `fake: nothing recorded for ${cmd.execute}` } };
      s.write(stringifyJson({ ...answer, id: cmd.id as JsonValue }) + '\r\n');
    }),
  );
}

/** A gdbstub over the recorded pages and the VT-d register block; `dieAfter` m-packets then close. */
async function fakeGdb(opts: { dieAfter?: number } = {}) {
  const pages = new Map(Object.entries(walk.pages).map(([k, v]) => [BigInt(k), Buffer.from(v, 'hex')]));
  let phys = false;
  let reads = 0;
  return fakePeer(
    gdbServer((p, s) => {
      if (p.startsWith('qSupported')) return 'PacketSize=1000;qXfer:features:read+';
      if (p === 'qqemu.PhyMemMode') return phys ? '1' : '0';
      if (p.startsWith('Qqemu.PhyMemMode:')) return (phys = p.endsWith(':1')), 'OK';
      if (p === 'D') return 'OK';
      const m = /^m([0-9a-f]+),([0-9a-f]+)$/.exec(p);
      if (!m) return '';
      if (opts.dieAfter !== undefined && ++reads > opts.dieAfter) {
        s.destroy();
        return undefined;
      }
      if (!phys) return 'E0e';
      const addr = BigInt('0x' + m[1]);
      const len = parseInt(m[2]!, 16);
      if (addr === BigInt(VTD_BASE) && len <= 0x28) return vtdRegisterBlock(RTADDR).subarray(0, len).toString('hex');
      const page = pages.get(addr & ~0xfffn);
      const off = Number(addr & 0xfffn);
      if (!page || off + len > 0x1000) return 'E0e';
      return page.subarray(off, off + len).toString('hex');
    }),
  );
}

async function snapshotWith(gdbToo: boolean): Promise<{ snap: Snapshot; seen: string[] }> {
  const seen: string[] = [];
  const q = await fakeQmp(seen);
  const qmp = await QmpClient.connect(q.endpoint);
  const g = gdbToo ? await GdbClient.connect((await fakeGdb()).endpoint) : undefined;
  try {
    return { snap: await takeSnapshot({ qmp, gdb: g }), seen };
  } finally {
    await g?.close();
    qmp.close();
  }
}

test('memory map: system FlatView with HVAs from one gpa2hva per RAM block (7.2 has no HVA column)', async () => {
  const { snap, seen } = await snapshotWith(false);
  assert.equal(snap.qemu.version, '7.2.22');
  const gpa2hvaCalls = seen.filter((c) => c.startsWith('gpa2hva'));
  // pc.ram (seven ranges: PAM windows), vga.vram, pc.bios: three blocks, three calls.
  assert.equal(gpa2hvaCalls.length, 3);
  const high = snap.memory.regions.find((r) => r.start === 0x100000n)!;
  assert.equal(high.name, 'pc.ram');
  assert.equal(high.last, 0x1fff_ffffn);
  assert.equal(high.hva, HVA_BASE['pc.ram']! + 0x100000n);
  const pam = snap.memory.regions.find((r) => r.start === 0xc0000n)!;
  assert.equal(pam.kind, 'rom'); // QEMU prints rom for PAM-protected pc.ram
  assert.equal(pam.hva, HVA_BASE['pc.ram']! + 0xc0000n);
  assert.equal(snap.memory.regions.find((r) => r.name === 'intel_iommu')!.hva, null);
  assert.equal(snap.memory.ramBlocks.find((b) => b.name === 'pc.ram')!.hvaFrom, 'gpa2hva');
  assert.equal(snap.memory.ramBlocks.find((b) => b.name === 'pc.rom')!.hva, undefined); // not in the flat view
});

test('without a gdbstub: device placement and ring addresses, every walk null with the reason', async () => {
  const { snap } = await snapshotWith(false);
  assert.equal(snap.vtd, null);
  assert.equal(snap.vtdReason, NO_GDB_REASON);
  assert.equal(snap.counts.gdb, 0);
  const [net] = snap.virtio;
  assert.equal(net!.path, NET);
  assert.equal(net!.pci, '00:02.0');
  assert.equal(net!.behindIommu, true);
  assert.equal(net!.dmaRoot, 'vtd-02.0-dmar');
  assert.equal(net!.queues.length, 3);
  const q0 = net!.queues[0]!;
  assert.deepEqual(q0.rings.desc, { addr: 0xffffe000n, space: 'giova', gpa: null, hva: null, reason: NO_GDB_REASON });
  assert.equal(q0.nextReason, NO_GDB_REASON);
  assert.deepEqual(q0.next, []);
});

test('with the gdbstub: every vring address walks to the GPA the recorded walk found, HVA from the map', async () => {
  const { snap } = await snapshotWith(true);
  assert.ok(snap.vtd);
  assert.equal(snap.vtd.rtaddr, RTADDR);
  assert.equal(snap.vtd.translationEnabled, true);
  assert.equal(snap.vtd.config.awBits, 39);
  assert.equal(snap.vtd.config.dtSupported, true);
  const net = snap.virtio[0]!;
  const field = { 'vring-desc': 'desc', 'vring-avail': 'avail', 'vring-used': 'used' } as const;
  assert.equal(walk.translations.length, 9);
  for (const t of walk.translations) {
    const ring = net.queues[t.queue]!.rings[field[t.field as keyof typeof field]];
    assert.equal(ring.addr, BigInt(t.iova), `${t.field} of queue ${t.queue}`);
    assert.equal(ring.space, 'giova');
    assert.equal(ring.gpa, BigInt(t.gpa), `${t.field} of queue ${t.queue}: ${ring.reason}`);
    assert.equal(ring.hva, HVA_BASE['pc.ram']! + BigInt(t.gpa));
    const [, domain, level] = /domain (\d+) level (\d+)/.exec(t.how)!;
    assert.equal(ring.walk?.domainId, Number(domain));
    assert.equal(ring.walk?.level, Number(level));
  }
  // The ring pages themselves were not captured: the chain is null with a reason naming the page.
  const q0 = net.queues[0]!;
  assert.deepEqual(q0.next, []);
  assert.match(q0.nextReason ?? '', /0x1479f000|0x1479e000/);
  assert.ok(snap.counts.gdb > 0 && snap.counts.qmp > 0);
  // Table pages are read once per snapshot however many walks share them.
  assert.ok(snap.counts.pages <= Object.keys(walk.pages).length, `${snap.counts.pages} pages`);
});

test('JSON follows the CLI contract: hex strings, inclusive end, null with reason', async () => {
  const { snap } = await snapshotWith(true);
  const j = JSON.parse(JSON.stringify(snapshotJson(snap))) as {
    qemu: { version: string };
    memory: { regions: { start: string; end: string; name: string; kind: string; hva: string | null }[] };
    virtio: { path: string; pci: string; queues: { index: number; rings: Record<string, { addr: string; space: string; gpa: string | null; hva: string | null; reason?: string }>; next: unknown[] }[] }[];
  };
  assert.equal(j.qemu.version, '7.2.22');
  assert.deepEqual(j.memory.regions.find((r) => r.start === '0x100000'), { start: '0x100000', end: '0x1fffffff', name: 'pc.ram', kind: 'ram', offset: '0x100000', readonly: false, hva: '0x7f1200100000' });
  const q1 = j.virtio[0]!.queues[1]!;
  assert.equal(j.virtio[0]!.pci, '00:02.0');
  assert.deepEqual({ ...q1.rings.avail, walk: undefined }, { addr: '0xffffd000', space: 'giova', gpa: '0x14782000', hva: '0x7f1214782000', walk: undefined });
  assert.match(snapshotText(snap), /avail GIOVA 0xffffd000 → GPA 0x14782000 → HVA 0x7f1214782000/);
});

test('the gdbstub dying mid-snapshot rejects with a connection error, quickly', async () => {
  const q = await fakeQmp();
  const qmp = await QmpClient.connect(q.endpoint);
  const gdb = await GdbClient.connect((await fakeGdb({ dieAfter: 3 })).endpoint);
  const t0 = Date.now();
  await assert.rejects(takeSnapshot({ qmp, gdb }), (e: unknown) => e instanceof ConnectionLostError && /lost/.test(e.message));
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  await gdb.close();
  qmp.close();
});

test('QMP dying mid-snapshot rejects with a connection error naming the command', async () => {
  let n = 0;
  const peer = await fakePeer(
    qmpServer((s, cmd) => {
      // Answer the first few, then drop the connection as a killed QEMU would.
      if (++n > 4) return void s.destroy();
      const a = recordedAnswer(cmd.execute, cmd.arguments) ?? { error: { class: 'GenericError', desc: 'x' } };
      s.write(stringifyJson({ ...a, id: cmd.id as JsonValue }) + '\r\n');
    }),
  );
  const qmp = await QmpClient.connect(peer.endpoint);
  const t0 = Date.now();
  await assert.rejects(takeSnapshot({ qmp }), (e: unknown) => e instanceof ConnectionLostError && /QMP /.test(e.message));
  assert.ok(Date.now() - t0 < 2000);
  // The session put the client back as it was.
  assert.equal(Object.prototype.hasOwnProperty.call(qmp, 'execute'), false);
  qmp.close();
});

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function cli(run: (io: CliIO) => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await run({ stdin: Readable.from(['']), stdout: out.stream, stderr: err.stream, stderrIsTTY: false });
  return { code, out: out.text(), err: err.text() };
}

test('iova-lens snapshot --json: the contract shape from the fake QEMU; bad endpoints are usage errors', async () => {
  const q = await fakeQmp();
  const g = await fakeGdb();
  const r = await cli((io) => snapshotCommand.run(['--qmp', q.endpoint, '--gdb', g.endpoint, '--json'], io));
  assert.equal(r.err, '');
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out) as { virtio: { pci: string; queues: { rings: { used: { gpa: string } } }[] }[] };
  assert.equal(j.virtio[0]!.pci, '00:02.0');
  assert.equal(j.virtio[0]!.queues[2]!.rings.used.gpa, '0x147834c0');
  await assert.rejects(cli((io) => snapshotCommand.run(['--qmp', 'ftp:x'], io)), /--qmp: bad QEMU endpoint/);
  const gone = await cli((io) => snapshotCommand.run(['--qmp', 'unix:/nonexistent/qmp.sock'], io));
  assert.equal(gone.code, 2);
  assert.match(gone.err, /cannot connect to unix:\/nonexistent\/qmp.sock: no such socket file/);
});

test('resolve --qmp: a GIOVA of 00:02.0 walks to the recorded GPA and on to the HVA; a GPA needs no gdbstub', async () => {
  const q = await fakeQmp();
  const g = await fakeGdb();
  const args = (a: string[]) => parseArgs(a, { json: {}, space: { value: true }, device: { value: true }, line: { value: true }, asid: { value: true }, qmp: { value: true }, gdb: { value: true } });
  const r = await cli((io) => runLiveResolve(args(['--qmp', q.endpoint, '--gdb', g.endpoint, '--device', '00:02.0', '--space', 'giova', '0xfffff240', '--json']), io));
  assert.equal(r.code, 0, r.err + r.out);
  const j = JSON.parse(r.out) as { hops: { space: string; addr: string; owner: string | null; created_line: null }[]; alternatives: unknown[] };
  assert.deepEqual(j.hops.map((h) => [h.space, h.addr]), [['giova', '0xfffff240'], ['gpa', '0x1479f240'], ['hva', '0x' + (HVA_BASE['pc.ram']! + 0x1479f240n).toString(16)]]);
  assert.match(j.hops[0]!.owner ?? '', /domain 4 level 1 leaf/);
  assert.equal(j.hops[1]!.created_line, null);
  const plain = await cli((io) => runLiveResolve(args(['--qmp', q.endpoint, '0x100000']), io));
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /GPA 0x100000 .*pc\.ram[\s\S]*→ HVA 0x7f1200100000/);
  const nowhere = await cli((io) => runLiveResolve(args(['--qmp', q.endpoint, '0xdead00000000']), io));
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.out, /^live \(QEMU [^)]*\):\n {2}GPA 0xdead00000000\n {2}0xdead00000000 resolves in none of GPA, HVA: GPA 0xdead00000000 is not in the flat view\n/);
  const noGdb = await cli((io) => runLiveResolve(args(['--qmp', q.endpoint, '--device', '00:02.0', '--space', 'giova', '0xfffff240', '--json']), io));
  assert.equal(noGdb.code, 1);
  assert.match((JSON.parse(noGdb.out) as { error: string }).error, /no gdbstub/);
  await assert.rejects(cli((io) => runLiveResolve(args(['--qmp', q.endpoint, '--space', 'giova', '0x1']), io)), /needs --device/);
});
