import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { ConnectionLostError, GdbErrorReply, ProtocolError, TimeoutError } from '../../src/qemu/errors.js';
import { closeAllPeers, fakePeer, gdbFrame, gdbServer, rejectionGuard } from './fakePeers.js';

const guard = rejectionGuard();
after(async () => {
  await closeAllPeers();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

const SUPPORTED = 'PacketSize=1000;qXfer:features:read+;vContSupported+;multiprocess+';

/** A stub with `mem` as guest-physical memory (PhyMemMode only) and QEMU's replies otherwise. */
function stub(mem: Uint8Array, state = { phys: false }, extra?: (p: string) => string | undefined) {
  return (p: string, _s: Socket): string | undefined => {
    const x = extra?.(p);
    if (x !== undefined) return x;
    if (p.startsWith('qSupported')) return SUPPORTED;
    if (p === 'qqemu.PhyMemMode') return state.phys ? '1' : '0';
    if (p.startsWith('Qqemu.PhyMemMode:')) return (state.phys = p.endsWith(':1')), 'OK';
    if (p === 'D') return 'OK';
    const m = /^m([0-9a-f]+),([0-9a-f]+)$/.exec(p);
    if (m) {
      const addr = parseInt(m[1], 16);
      const len = parseInt(m[2], 16);
      if (len > 0x1000 / 2) return 'E22';
      if (!state.phys) return 'E0e';
      return Buffer.from(mem.subarray(addr, addr + len)).toString('hex');
    }
    return '';
  };
}

test('connect reads PacketSize; reads are split to fit it and PhyMemMode is restored', async () => {
  const mem = Uint8Array.from({ length: 0x3000 }, (_, i) => (i * 7) & 0xff);
  const state = { phys: false };
  const got: string[] = [];
  const peer = await fakePeer(gdbServer(stub(mem, state), got));
  const gdb = await GdbClient.connect(peer.endpoint);
  assert.equal(gdb.packetSize, 0x1000);
  assert.equal(gdb.pausedGuest, true);
  const data = await gdb.memory.readPhysical(0x100n, 0x2000);
  assert.deepEqual(Buffer.from(data), Buffer.from(mem.subarray(0x100, 0x2100)));
  const reads = got.filter((p) => p.startsWith('m'));
  // 0x2000 bytes in chunks of PacketSize/2 - 16 = 0x7f0: five requests, not thousands.
  assert.equal(reads.length, 5);
  assert.equal(reads[0], 'm100,7f0');
  assert.equal(state.phys, false);
  assert.deepEqual(got.filter((p) => p.startsWith('Qqemu')), ['Qqemu.PhyMemMode:1', 'Qqemu.PhyMemMode:0']);
  await gdb.close();
  assert.equal(got.at(-1), 'D');
  assert.equal(gdb.pausedGuest, false);
  await peer.close();
});

test('concurrent physical reads never run in virtual mode; nested sections share one switch', async () => {
  const mem = Uint8Array.from({ length: 0x4000 }, (_, i) => i & 0xff);
  const state = { phys: false };
  const got: string[] = [];
  const peer = await fakePeer(gdbServer(stub(mem, state), got));
  const gdb = await GdbClient.connect(peer.endpoint);
  // The stub answers E0e to m in virtual mode: any read outside a physical section would fail.
  const [a, b, c] = await Promise.all([
    gdb.memory.readPhysical(0n, 0x1000),
    gdb.memory.readPhysical(0x1000n, 0x1000),
    gdb.memory.physical(async () => [await gdb.memory.read(0x2000n, 4), await gdb.memory.readPhysical(0x3000n, 4)]),
  ]);
  assert.equal(a[0x10], 0x10);
  assert.equal(b[0x20], 0x20);
  assert.deepEqual([...c[1]], [0, 1, 2, 3]);
  assert.equal(state.phys, false);
  assert.equal(got.filter((p) => p === 'Qqemu.PhyMemMode:1').length, 3);
  await gdb.close();
  await peer.close();
});

test('writes are split to fit the packet size and land where asked', async () => {
  const mem = new Uint8Array(0x3000);
  const got: string[] = [];
  const peer = await fakePeer(
    gdbServer(
      stub(mem, { phys: true }, (p) => {
        const m = /^M([0-9a-f]+),([0-9a-f]+):([0-9a-f]*)$/.exec(p);
        if (!m) return undefined;
        const data = Buffer.from(m[3], 'hex');
        if (data.length !== parseInt(m[2], 16)) return 'E22';
        mem.set(data, parseInt(m[1], 16));
        return 'OK';
      }),
      got,
    ),
  );
  const gdb = await GdbClient.connect(peer.endpoint);
  const data = Uint8Array.from({ length: 0x1800 }, (_, i) => (i * 13) & 0xff);
  await gdb.memory.write(0x400n, data);
  assert.deepEqual(Buffer.from(mem.subarray(0x400, 0x1c00)), Buffer.from(data));
  const writes = got.filter((p) => p.startsWith('M'));
  assert.ok(writes.length === 4, `${writes.length} M packets`);
  assert.ok(writes.every((w) => w.length + 4 <= 0x1000), 'each frame fits PacketSize');
  await gdb.close();
  await peer.close();
});

test('an E reply fails the read with the address, and PhyMemMode is still restored', async () => {
  const state = { phys: false };
  const peer = await fakePeer(gdbServer(stub(new Uint8Array(0x4000), state, (p) => (p.startsWith("m2000") ? "E0e" : undefined))));
  const gdb = await GdbClient.connect(peer.endpoint);
  await assert.rejects(
    gdb.memory.readPhysical(0x1810n, 0x1000),
    (e: unknown) => e instanceof GdbErrorReply && e.address === 0x2000n && /gdbstub refused m2000,7f0 at 0x2000: E0e \(EFAULT/.test(e.message),
  );
  assert.equal(state.phys, false);
  await gdb.close();
  await peer.close();
});

test('a "-" makes the client resend; bad checksums from the peer are nak-ed and resent', async () => {
  let nakked = false;
  const frames: string[] = [];
  const peer = await fakePeer((s) => {
    s.on('data', (d: Buffer) => {
      const t = d.toString('latin1');
      frames.push(t);
      if (t.includes('$qSupported')) s.write('+' + gdbFrame(SUPPORTED));
      else if (t.includes('$qC') && !nakked) {
        nakked = true;
        s.write('-');
      } else if (t.includes('$qC')) s.write('+$QC01#00'); // wrong checksum first
      else if (t === '-') s.write(gdbFrame('QC01'));
    });
  });
  const gdb = await GdbClient.connect(peer.endpoint);
  assert.equal(await gdb.request('qC'), 'QC01');
  assert.equal(frames.filter((f) => f.includes('$qC#')).length, 2);
  assert.ok(frames.includes('-'));
  gdb['destroy'](new Error('test over'));
  await peer.close();
});

test('the stop reply QEMU sends when a running guest is paused is not taken for the reply', async () => {
  const stops: string[] = [];
  const peer = await fakePeer((s) => {
    s.on('data', (d: Buffer) => {
      if (d.toString('latin1').includes('$qSupported')) s.write(gdbFrame('T02thread:01;') + '+' + gdbFrame(SUPPORTED));
    });
  });
  const gdb = await GdbClient.connect(peer.endpoint);
  gdb.onStop((st) => stops.push(st.raw));
  assert.equal(gdb.supported.get('PacketSize'), '1000');
  gdb['destroy'](new Error('test over'));
  await peer.close();
});

test('threads, registers in the fixed x86-64 order, interrupt', async () => {
  const regs = Buffer.alloc(16 * 8 + 8 + 4 + 6 * 4);
  regs.writeBigUInt64LE(0x1122334455667788n, 0); // rax
  regs.writeBigUInt64LE(0xffff_ffff_8100_0000n, 7 * 8); // rsp
  regs.writeBigUInt64LE(0xffff_ffff_8123_4567n, 16 * 8); // rip
  regs.writeUInt32LE(0x246, 17 * 8); // eflags
  regs.writeUInt32LE(0x10, 17 * 8 + 4 + 4); // ss
  let threadQ = 0;
  const peer = await fakePeer(
    gdbServer((p) => {
      if (p.startsWith('qSupported')) return 'PacketSize=1000';
      if (p === 'qfThreadInfo') return 'm01';
      if (p === 'qsThreadInfo') return ++threadQ === 1 ? 'm02' : 'l';
      if (p === 'Hg02') return 'OK';
      if (p === 'g') return regs.toString('hex');
      if (p === '\x03') return 'T02thread:02;';
      return '';
    }),
  );
  const gdb = await GdbClient.connect(peer.endpoint);
  assert.deepEqual(await gdb.threads(), ['01', '02']);
  const r = await gdb.registers.read('02');
  assert.equal(r.get('rax'), 0x1122334455667788n);
  assert.equal(r.get('rsp'), 0xffff_ffff_8100_0000n);
  assert.equal(r.get('rip'), 0xffff_ffff_8123_4567n);
  assert.equal(r.get('eflags'), 0x246n);
  assert.equal(r.get('ss'), 0x10n);
  assert.deepEqual(await gdb.interrupt(), { kind: 'T', signal: 2, thread: '02', raw: 'T02thread:02;' });
  gdb['destroy'](new Error('test over'));
  await peer.close();
});

test('garbage from the peer: ProtocolError within 2 s, pending request rejected', async () => {
  const peer = await fakePeer(
    gdbServer((p, s) => {
      if (p.startsWith('qSupported')) return SUPPORTED;
      s.write('\x00\xffHTTP/1.1 400 Bad Request\r\n');
      return undefined;
    }),
  );
  const gdb = await GdbClient.connect(peer.endpoint);
  const t0 = Date.now();
  await assert.rejects(gdb.memory.read(0n, 16), (e: unknown) => e instanceof ProtocolError && /unexpected byte 0x00 between packets/.test(e.message));
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(gdb.closed, true);
  await peer.close();
});

test('a packet that starts and never ends is a ProtocolError within 2 s', async () => {
  const peer = await fakePeer(
    gdbServer((p, s) => {
      if (p.startsWith('qSupported')) return SUPPORTED;
      s.write('$0000');
      return undefined;
    }),
  );
  const gdb = await GdbClient.connect(peer.endpoint);
  const t0 = Date.now();
  await assert.rejects(gdb.request('g'), /packet started but not finished within 1500 ms/);
  assert.ok(Date.now() - t0 < 2000);
  await peer.close();
});

test('dead socket: the in-flight and the queued requests all reject with ConnectionLostError', async () => {
  const peer = await fakePeer(
    gdbServer((p, s) => {
      if (p.startsWith('qSupported')) return SUPPORTED;
      if (p === 'g') s.destroy();
      return undefined;
    }),
  );
  const gdb = await GdbClient.connect(peer.endpoint);
  const results = await Promise.allSettled([gdb.request('g'), gdb.request('qC'), gdb.memory.read(0n, 4)]);
  for (const r of results) assert.ok(r.status === 'rejected' && r.reason instanceof ConnectionLostError, String((r as PromiseRejectedResult).reason));
  assert.match((results[0] as PromiseRejectedResult).reason.message, /while waiting for gdb g: socket closed by the gdbstub/);
  await peer.close();
});

test('silence: TimeoutError, and the connection is closed so a late reply cannot be misattributed', async () => {
  const peer = await fakePeer(gdbServer((p) => (p.startsWith('qSupported') ? SUPPORTED : undefined)));
  const gdb = await GdbClient.connect(peer.endpoint, { timeoutMs: 200 });
  await assert.rejects(gdb.request('qC'), (e: unknown) => e instanceof TimeoutError && /gdb qC on unix:.* no answer within 200 ms/.test(e.message));
  assert.equal(gdb.closed, true);
  await assert.rejects(gdb.request('qC'), ConnectionLostError);
  await peer.close();
});
