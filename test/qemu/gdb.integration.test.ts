// Live gdbstub of a QEMU 7.2 guest: attach pauses it, registers, guest-physical reads in
// PhyMemMode checked against HMP xp and against the VT-d registers, detach resumes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startGuest, type Guest } from '../harness/guest.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { X86_64_FIXED_LAYOUT } from '../../src/qemu/gdb/x86Registers.js';
import { systemMemoryView, findFlatRange } from '../../src/qemu/parse/mtreeFlat.js';
import { rejectionGuard } from './fakePeers.js';

const guard = rejectionGuard();
let guest: Guest;
let mon: QemuMonitor;
let gdb: GdbClient;

before(async () => {
  guest = await startGuest();
  mon = new QemuMonitor(await QmpClient.connect(`unix:${guest.qmpPath}`));
});

after(async () => {
  await gdb?.close();
  mon?.qmp.close();
  await guest?.dispose();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

test('attaching pauses the guest (QMP sees STOP) and the client says so', async () => {
  assert.equal((await mon.queryStatus()).running, true);
  const stop = mon.qmp.waitForEvent('STOP', 5000);
  gdb = await GdbClient.connect(`tcp:127.0.0.1:${guest.gdbPort}`);
  await stop;
  assert.equal(gdb.pausedGuest, true);
  assert.deepEqual(await mon.queryStatus(), { running: false, status: 'paused' });
  assert.equal(gdb.packetSize, 0x1000); // QEMU 7.2's MAX_PACKET_LENGTH
});

test('one vCPU thread; its registers look like a 64-bit Linux guest', async () => {
  assert.deepEqual(await gdb.threads(), ['01']);
  // The layout comes from QEMU's target description (i386-64bit.xml), not the built-in fallback.
  const layout = await gdb.registers.describe();
  assert.ok(layout.length > X86_64_FIXED_LAYOUT.length, `${layout.length} registers described`);
  assert.deepEqual(layout.slice(0, 18).map((x) => x.name), X86_64_FIXED_LAYOUT.slice(0, 18).map((x) => x.name));
  const r = await gdb.registers.read('01');
  for (const name of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r15', 'rip', 'eflags', 'cs', 'ss']) assert.ok(r.has(name), name);
  const cs = r.get('cs')!;
  assert.ok(cs === 0x10n || cs === 0x33n, `cs ${cs.toString(16)} is Linux's kernel or user 64-bit code segment`);
  if (cs === 0x10n) assert.ok(r.get('rip')! >= 0xffff_8000_0000_0000n, 'kernel rip in the upper half');
  assert.equal(r.get('eflags')! & 0x2n, 0x2n); // bit 1 of EFLAGS always reads 1
});

test('guest-physical reads through PhyMemMode equal HMP xp, and the mode is restored', async () => {
  // The BIOS shadow copy in pc.ram (PAM-protected, read-only): never all zero.
  const bios = findFlatRange(systemMemoryView(await mon.mtreeFlat()), 0xfe000n)!;
  assert.equal(bios.name, 'pc.ram');
  assert.equal(bios.readonly, true);
  const viaGdb = await gdb.memory.readPhysical(0xfe000n, 4096);
  const viaXp = await mon.xp(0xfe000n, 4096);
  assert.deepEqual(Buffer.from(viaGdb), Buffer.from(viaXp));
  assert.ok(viaGdb.some((b) => b !== 0), 'BIOS code is not all zero');
  assert.equal(await gdb.memory.physicalMode(), false);
});

test('VT-d registers read at 0xfed90000: version 1.0, translation enabled, caching mode, 39-bit', async () => {
  const regs = Buffer.from(await gdb.memory.readPhysical(0xfed90000n, 0x28));
  assert.equal(regs.readUInt32LE(0x00), 0x10);
  const cap = regs.readBigUInt64LE(0x08);
  assert.equal((cap >> 7n) & 1n, 1n, 'CAP.CM (caching-mode=on)');
  assert.equal((cap >> 16n) & 0x3fn, 38n, 'CAP.MGAW = aw-bits - 1');
  assert.equal((cap >> 24n) & 0x3ffn, 0x22n, 'CAP.FRO: fault records at 0x220');
  const gsts = regs.readUInt32LE(0x1c);
  assert.equal(gsts >>> 31, 1, 'GSTS.TES: the guest turned DMA remapping on');
  const rtaddr = regs.readBigUInt64LE(0x20);
  assert.notEqual(rtaddr, 0n);
  assert.equal(rtaddr & 0xfffn & ~0xc00n, 0n, 'root table is 4 KiB aligned (bits 11:10 are the mode)');
  assert.equal(await gdb.memory.physicalMode(), false);
});

test('a ring descriptor read at the GPA QEMU\'s own vtd_dmar_translate trace gives equals x-query-virtio-queue-element', async () => {
  // With iommu_platform=on the ring addresses are IOVAs; the trace line tells where QEMU put them.
  const net = (await mon.virtioDevices()).find((d) => d.name === 'virtio-net')!;
  const q = await mon.virtQueueStatus(net.path, 0);
  const el = await mon.virtQueueElement(net.path, 0);
  const descIova = q.vringDesc + 16n * BigInt(el.index);
  const page = descIova & ~0xfffn;
  const trace = readFileSync(guest.tracePath, 'utf8');
  const hits = [...trace.matchAll(/^vtd_dmar_translate dev (\S+) iova 0x([0-9a-f]+) -> gpa 0x([0-9a-f]+) mask 0x([0-9a-f]+)$/gm)].filter(
    (m) => (BigInt('0x' + m[2]) & ~BigInt('0x' + m[4])) === (page & ~BigInt('0x' + m[4])),
  );
  assert.ok(hits.length > 0, `trace has a translation for the rx descriptor page ${page.toString(16)}`);
  const last = hits[hits.length - 1];
  const mask = BigInt('0x' + last[4]);
  const gpa = (BigInt('0x' + last[3]) & ~mask) | (descIova & mask);
  assert.ok(el.descs[0].len > 0, 'an rx buffer posted by the driver');
  const raw = Buffer.from(await gdb.memory.readPhysical(gpa, 16));
  assert.equal(raw.readBigUInt64LE(0), el.descs[0].addr);
  assert.equal(raw.readUInt32LE(8), el.descs[0].len);
  assert.equal((raw.readUInt16LE(12) & 2) !== 0, el.descs[0].flags.includes('write'));
});

test('a 1 MiB read is batched to the packet size and measured', async () => {
  const t0 = performance.now();
  const data = await gdb.memory.readPhysical(0x200000n, 1 << 20);
  const ms = performance.now() - t0;
  console.log(`# 1 MiB guest-physical read through the gdbstub: ${ms.toFixed(0)} ms (${gdb.memory.chunk} bytes per m packet)`);
  assert.equal(data.length, 1 << 20);
  assert.deepEqual(Buffer.from(data.subarray(0x1000, 0x1100)), Buffer.from(await mon.xp(0x201000n, 0x100)));
});

test('the HMP monitor answers through qRcmd too', async () => {
  assert.match(await gdb.monitor('info status'), /VM status: paused/);
});

test('close() detaches: QEMU resumes the guest (RESUME event)', async () => {
  const resume = mon.qmp.waitForEvent('RESUME', 5000);
  await gdb.close();
  await resume;
  assert.equal(gdb.pausedGuest, false);
  assert.deepEqual(await mon.queryStatus(), { running: true, status: 'running' });
});
