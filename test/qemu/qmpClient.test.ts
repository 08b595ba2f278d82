import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { QmpClient, type QmpEvent } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { ConnectionLostError, ConnectError, HmpError, ProtocolError, QmpCommandError, TimeoutError } from '../../src/qemu/errors.js';
import { closeAllPeers, fakePeer, qmpServer, QMP_GREETING, rejectionGuard } from './fakePeers.js';

const guard = rejectionGuard();
after(async () => {
  await closeAllPeers();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

test('greeting, capabilities, then replies matched by id with events in between', async () => {
  const seen: string[] = [];
  const peer = await fakePeer(
    qmpServer((s, cmd) => {
      seen.push(cmd.execute);
      if (cmd.execute === 'query-status') {
        // An event first, then the reply pretty-printed over several lines.
        s.write('{"event": "STOP", "data": {}, "timestamp": {"seconds": 1700000000, "microseconds": 5}}\r\n');
        s.write(`{\n  "return": {"status": "paused", "running": false},\n  "id": ${JSON.stringify(cmd.id)}\n}\r\n`);
      } else if (cmd.execute === 'human-monitor-command') {
        s.write(JSON.stringify({ return: 'Host virtual address for 0x1000 (pc.ram) is 0x7f653fe01000\r\n', id: cmd.id }) + '\r\n');
      }
    }),
  );
  const events: QmpEvent[] = [];
  const qmp = await QmpClient.connect(peer.endpoint);
  qmp.onEvent((e) => events.push(e));
  assert.deepEqual(qmp.version, { major: 7, minor: 2, micro: 22, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' });
  assert.deepEqual(qmp.capabilities, ['oob']);
  const mon = new QemuMonitor(qmp);
  assert.deepEqual(await mon.queryStatus(), { running: false, status: 'paused' });
  assert.equal(events.length, 1);
  assert.equal(events[0].event, 'STOP');
  assert.equal(events[0].timestampUs, 1700000000 * 1e6 + 5);
  assert.deepEqual(await mon.gpa2hva(0x1000n), { gpa: 0x1000n, region: 'pc.ram', hva: 0x7f653fe01000n });
  assert.deepEqual(seen, ['query-status', 'human-monitor-command']);
  qmp.close();
  await peer.close();
});

test('out-of-order replies go to the right request; u64 results are exact; errors are typed', async () => {
  const held: { id: unknown; execute: string }[] = [];
  const peer = await fakePeer(
    qmpServer((s, cmd) => {
      held.push(cmd);
      if (held.length < 3) return;
      // Answer in reverse order.
      for (const c of held.reverse()) {
        if (c.execute === 'a') s.write(`{"return": 18446744073709551615, "id": ${JSON.stringify(c.id)}}\r\n`);
        else if (c.execute === 'b') s.write(`{"return": "bee", "id": ${JSON.stringify(c.id)}}\r\n`);
        else s.write(`{"error": {"class": "GenericError", "desc": "Path /x is not a VirtIODevice"}, "id": ${JSON.stringify(c.id)}}\r\n`);
      }
    }),
  );
  const qmp = await QmpClient.connect(peer.endpoint);
  const [a, b, c] = await Promise.allSettled([qmp.execute('a'), qmp.execute('b'), qmp.execute('x-query-virtio-status', { path: '/x' })]);
  assert.deepEqual(a, { status: 'fulfilled', value: 0xffff_ffff_ffff_ffffn });
  assert.deepEqual(b, { status: 'fulfilled', value: 'bee' });
  assert.equal(c.status, 'rejected');
  const err = (c as PromiseRejectedResult).reason;
  assert.ok(err instanceof QmpCommandError);
  assert.equal(err.errorClass, 'GenericError');
  assert.equal(err.command, 'x-query-virtio-status');
  assert.match(err.message, /QMP x-query-virtio-status failed \(GenericError\): Path \/x is not a VirtIODevice/);
  qmp.close();
  await peer.close();
});

test('an error without id (QEMU could not parse the request) goes to the oldest request', async () => {
  const peer = await fakePeer(
    qmpServer((s) => s.write('{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}\r\n')),
  );
  const qmp = await QmpClient.connect(peer.endpoint);
  await assert.rejects(qmp.execute('whatever'), /JSON parse error/);
  qmp.close();
  await peer.close();
});

test('HMP error text returned as success becomes HmpError', async () => {
  const peer = await fakePeer(qmpServer((s, cmd) => s.write(JSON.stringify({ return: "unknown command: 'info'\r\n", id: cmd.id }) + '\r\n')));
  const mon = new QemuMonitor(await QmpClient.connect(peer.endpoint));
  await assert.rejects(mon.ramBlocks(), (e: unknown) => e instanceof HmpError && /HMP "info ramblock" failed: unknown command/.test(e.message));
  mon.qmp.close();
  await peer.close();
});

test('per-command timeout; the late reply is dropped and the connection stays usable', async () => {
  let n = 0;
  // the first reply is held back until the client gave up on it, then sent before the second
  let sendLate: () => void = () => undefined;
  const lateSent = new Promise<void>((r) => (sendLate = r));
  const peer = await fakePeer(
    qmpServer((s, cmd) => {
      n++;
      const reply = `{"return": ${n}, "id": ${JSON.stringify(cmd.id)}}\r\n`;
      if (n === 1) void lateSent.then(() => s.write(reply));
      else s.write(reply);
    }),
  );
  const qmp = await QmpClient.connect(peer.endpoint, { timeoutMs: 100 });
  const t0 = Date.now();
  await assert.rejects(qmp.execute('slow'), (e: unknown) => e instanceof TimeoutError && /QMP slow on unix:.*no answer within 100 ms/.test(e.message));
  assert.ok(Date.now() - t0 < 1000);
  sendLate();
  assert.equal(await qmp.execute('fast'), 2);
  qmp.close();
  await peer.close();
});

test('peer closes mid-request: every pending request rejects with ConnectionLostError', async () => {
  const peer = await fakePeer(qmpServer((s, cmd) => {
    if (cmd.execute === 'die') s.destroy();
  }));
  const qmp = await QmpClient.connect(peer.endpoint);
  const closed = new Promise<Error>((resolve) => qmp.onClose(resolve));
  const pending = [qmp.execute('hang1'), qmp.execute('hang2'), qmp.execute('die')];
  const results = await Promise.allSettled(pending);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok((r as PromiseRejectedResult).reason instanceof ConnectionLostError);
  }
  assert.match((results[0] as PromiseRejectedResult).reason.message, /lost while waiting for QMP hang1: socket closed by QEMU/);
  assert.ok((await closed) instanceof ConnectionLostError);
  await assert.rejects(qmp.execute('after'), (e: unknown) => e instanceof ConnectionLostError && /lost while waiting for QMP after: socket closed by QEMU$/.test(e.message));
  await peer.close();
});

test('a non-JSON line is a ProtocolError that rejects pending requests and closes', async () => {
  const peer = await fakePeer(qmpServer((s) => s.write('this is not json\r\n')));
  const qmp = await QmpClient.connect(peer.endpoint);
  const t0 = Date.now();
  await assert.rejects(qmp.execute('x'), (e: unknown) => e instanceof ProtocolError && /expected "\{" between messages, got "this is not json/.test(e.message));
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(qmp.closed, true);
  await peer.close();
});

test('a server that never greets: TimeoutError naming the greeting; garbage instead of a greeting: ProtocolError', async () => {
  const silent = await fakePeer(() => undefined);
  await assert.rejects(QmpClient.connect(silent.endpoint, { connectTimeoutMs: 300 }), (e: unknown) => e instanceof TimeoutError && /QMP greeting/.test(e.message));
  await silent.close();
  const rude = await fakePeer((s) => s.write('SSH-2.0-OpenSSH_9.2\r\n'));
  await assert.rejects(QmpClient.connect(rude.endpoint), ProtocolError);
  await rude.close();
  const broken = await fakePeer((s) => s.write('{"QMP": {"version": }}\r\n'));
  await assert.rejects(QmpClient.connect(broken.endpoint), /invalid JSON: Unexpected token '\}', ..."version": \}\}" is not valid JSON/);
  await broken.close();
  const capsRefused = await fakePeer((s) => {
    s.write(QMP_GREETING);
    s.on('data', () => s.write('{"error": {"class": "CommandNotFound", "desc": "no"}}\r\n'));
  });
  await assert.rejects(QmpClient.connect(capsRefused.endpoint), (e: unknown) => e instanceof QmpCommandError && e.command === 'qmp_capabilities');
  await capsRefused.close();
});

test('wrong socket path: ConnectError naming the path', async () => {
  await assert.rejects(
    QmpClient.connect('unix:/nonexistent/iova-lens/qmp.sock'),
    (e: unknown) => e instanceof ConnectError && /cannot connect to unix:\/nonexistent\/iova-lens\/qmp.sock: no such socket file/.test(e.message),
  );
});
