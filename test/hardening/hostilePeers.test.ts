// Hostile QMP and gdbstub peers, scripted in memory through the clients' byte channel: every
// malformed answer becomes a typed error on the pending request or a connection closed with a
// reason; nothing is thrown out of a data callback (that would fail this test process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { QemuTarget } from '../../src/debug/target.js';
import { gdbFrame, gdbPackets, qmpCommands, QMP_GREETING, scriptedChannel, scriptedOpener, type ScriptedPeer } from '../harness/scriptedPeer.js';

const rssMb = (): number => process.memoryUsage().rss / 1048576;

/** A gdbstub that answers qSupported, then whatever `answer` says for other packets. */
function gdbScript(answer: (packet: string, peer: ScriptedPeer) => void) {
  return (data: Buffer, peer: ScriptedPeer): void => {
    for (const p of gdbPackets(data)) {
      peer.send('+');
      if (p.startsWith('qSupported')) peer.send(gdbFrame('PacketSize=1000;qXfer:features:read+'));
      else answer(p, peer);
    }
  };
}

async function gdbOver(answer: (packet: string, peer: ScriptedPeer) => void): Promise<{ gdb: GdbClient; peer: ScriptedPeer }> {
  const { channel, peer } = scriptedChannel(gdbScript(answer));
  const gdb = await GdbClient.over(channel, 'scripted-gdb', { timeoutMs: 1000 });
  return { gdb, peer };
}

/** A QMP peer that greets, accepts capabilities and answers other commands with `answer`. */
function qmpScript(answer: (cmd: { execute: string; id: number; arguments?: Record<string, unknown> }, peer: ScriptedPeer) => void) {
  return (data: Buffer, peer: ScriptedPeer): void => {
    for (const c of qmpCommands(data)) {
      if (c.execute === 'qmp_capabilities') peer.send(JSON.stringify({ return: {}, id: c.id }) + '\r\n');
      else answer(c, peer);
    }
  };
}

async function qmpOver(answer: Parameters<typeof qmpScript>[0], timeoutMs = 1000): Promise<QmpClient> {
  const open = scriptedOpener({ 'unix:qmp': qmpScript(answer) });
  open.greetings['unix:qmp'] = QMP_GREETING;
  return QmpClient.connect('unix:qmp', { open, timeoutMs });
}

test('gdb: a 1 MiB run-length bomb is a protocol error on the pending request, memory stays bounded', async () => {
  const before = rssMb();
  const bomb = Buffer.concat([Buffer.from('$X'), Buffer.alloc((1 << 20) - 16, '*~'), Buffer.from('#00')]);
  const { gdb } = await gdbOver((_p, peer) => peer.send(bomb));
  await assert.rejects(gdb.request('m1000,10'), { name: 'ProtocolError', message: /packet decodes to more than 1048576 bytes/ });
  assert.equal(gdb.closed, true);
  assert.ok(rssMb() - before < 400, `RSS grew by ${(rssMb() - before).toFixed(0)} MiB`);
});

test('gdb: an unsolicited $Tzz closes the connection with a reason; the next request says why', async () => {
  const { gdb, peer } = await gdbOver(() => undefined);
  const closed = new Promise<Error>((resolve) => gdb.onClose(resolve));
  peer.send(gdbFrame('Tzz'));
  assert.match((await closed).message, /not a stop reply: "Tzz"/);
  await assert.rejects(gdb.request('?'), { name: 'ConnectionLostError', message: /not a stop reply/ });
});

test('gdb: garbage between packets, an endless packet, bad checksums: each a ProtocolError', async () => {
  for (const [bytes, why] of [
    ['hello', /unexpected byte 0x68 between packets/],
    ['$' + 'a'.repeat((1 << 20) + 10), /packet longer than 1048576 bytes/],
    ['$OK#00$OK#00$OK#00$OK#00', /4 packets with a bad checksum/],
    ['$OK#zz', /checksum "zz" is not two hex digits/],
  ] as const) {
    const { gdb } = await gdbOver((_p, peer) => peer.send(bytes));
    await assert.rejects(gdb.request('g'), { name: 'ProtocolError', message: why });
  }
});

test('gdb: a stub that says W00 right after qSupported is not attached', async () => {
  const { channel } = scriptedChannel((data, peer) => {
    for (const p of gdbPackets(data)) {
      peer.send('+');
      if (p.startsWith('qSupported')) peer.send(Buffer.concat([gdbFrame('PacketSize=1000'), gdbFrame('W00')]));
    }
  });
  // either the handshake or the check after it fails, never a client that looks attached
  await assert.rejects(
    (async () => {
      const gdb = await GdbClient.over(channel, 'scripted-gdb', { timeoutMs: 1000 });
      await gdb.request('?');
    })(),
    /QEMU exited \(W00\)/,
  );
});

test('gdb: a read that would wrap past 2^64 is refused before any packet is sent', async () => {
  const { gdb, peer } = await gdbOver(() => undefined);
  const sent = peer.received.length;
  await assert.rejects(gdb.memory.read(0xfffffffffffffff0n, 32), /32 byte\(s\) at 0xfffffffffffffff0 would wrap around the 64-bit address space/);
  assert.equal(peer.received.length, sent);
  await gdb.close();
});

test('gdb: a silent stub is reported dead within the timeout, by name', async () => {
  const { gdb } = await gdbOver(() => undefined);
  await assert.rejects(gdb.request('g'), { name: 'TimeoutError', message: /gdb g on scripted-gdb: no answer within 1000 ms/ });
});

test('QMP: num-vqs of 100000000 is refused as a count, not allocated', async () => {
  const before = rssMb();
  const qmp = await qmpOver((c, peer) => {
    const status = { name: 'virtio-net', 'device-id': 1, 'vhost-started': false, 'device-endian': 'little', 'guest-features': { transports: [] }, 'host-features': { transports: [] }, 'backend-features': { transports: [] }, 'num-vqs': 100000000, status: { statuses: [] }, isr: 0, 'queue-sel': 0, 'vm-running': true, broken: false, disabled: false, started: true };
    peer.send(JSON.stringify({ return: status, id: c.id }) + '\r\n');
  });
  await assert.rejects(new QemuMonitor(qmp).virtioStatus('/machine/peripheral/net0/virtio-backend'), {
    name: 'QmpShapeError',
    message: /member "num-vqs" should be a count from 0 to 1024, got 100000000/,
  });
  assert.ok(rssMb() - before < 100);
  qmp.close();
});

test('QMP: a non-string HMP answer is a shape error naming the command', async () => {
  const qmp = await qmpOver((c, peer) => peer.send(JSON.stringify({ return: { text: 5 }, id: c.id }) + '\r\n'));
  await assert.rejects(new QemuMonitor(qmp).hmp('info mtree'), { name: 'QmpShapeError', message: /human-monitor-command "info mtree": member "return" should be a string/ });
  qmp.close();
});

test('QMP: a 16 MB reply in 64 KiB pieces is framed once (linear), u64 exact', async () => {
  const text = 'x'.repeat(16 << 20);
  const qmp = await qmpOver((c, peer) => {
    const whole = Buffer.from(`{"return": {"text": "${text}", "addr": 18446744073709551615}, "id": ${c.id}}\r\n`);
    for (let i = 0; i < whole.length; i += 65536) peer.send(whole.subarray(i, i + 65536));
  }, 60_000);
  const r = (await qmp.execute('x-big')) as { text: string; addr: bigint };
  assert.equal(r.text.length, text.length);
  assert.equal(r.addr, 0xffffffffffffffffn);
  qmp.close();
});

test('QMP: nesting 100000 deep and a reply over the size limit close the connection with a reason', async () => {
  const deep = await qmpOver((_c, peer) => peer.send('{"return": ' + '['.repeat(100000)));
  await assert.rejects(deep.execute('x'), { name: 'ProtocolError', message: /message nested deeper than 256 levels/ });
  const huge = await qmpOver((_c, peer) => {
    const piece = Buffer.alloc(1 << 20, 'a');
    peer.send('{"return": "');
    for (let i = 0; i < 40; i++) peer.send(piece);
  }, 60_000);
  await assert.rejects(huge.execute('x'), { name: 'ProtocolError', message: /message longer than 33554432 characters/ });
});

test('QemuTarget over scripted peers: attach refuses a gdbstub that exited (W00) and closes QMP', async () => {
  const open = scriptedOpener({
    'unix:qmp': qmpScript((c, peer) => {
      if (c.execute === 'query-status') peer.send(JSON.stringify({ return: { status: 'paused', running: false }, id: c.id }) + '\r\n');
      else peer.send(JSON.stringify({ error: { class: 'GenericError', desc: 'not scripted' }, id: c.id }) + '\r\n');
    }),
    'tcp:127.0.0.1:1234': (data, peer) => {
      for (const p of gdbPackets(data)) {
        peer.send('+');
        if (p.startsWith('qSupported')) peer.send(gdbFrame('PacketSize=1000'));
        if (p.startsWith('qSupported')) peer.send(gdbFrame('W00'));
      }
    },
  });
  open.greetings['unix:qmp'] = QMP_GREETING;
  await assert.rejects(QemuTarget.attach({ qmp: 'unix:qmp', gdb: '127.0.0.1:1234', open, timeoutMs: 1000 }), /QEMU exited \(W00\)/);
  assert.equal(open.peers.get('unix:qmp')?.destroyed, true);
});
