// Failures of a real QEMU peer: nothing may hang and every error must say what happened.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGuest, type Guest } from '../harness/guest.js';
import { freeLoopbackPort } from '../../src/qemu/endpoint.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { ConnectError, ConnectionLostError } from '../../src/qemu/errors.js';
import { rejectionGuard } from './fakePeers.js';

const guard = rejectionGuard();
let guest: Guest;

before(async () => {
  // The QMP and gdb sockets work from the first instant; no need to wait for the guest's init.
  guest = await startGuest({ waitReady: false });
});

after(async () => {
  await guest?.dispose();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

test('wrong socket path or port: ConnectError naming it, within 2 s', async () => {
  const t0 = Date.now();
  const wrong = `${guest.qmpPath}.nope`;
  await assert.rejects(QmpClient.connect(`unix:${wrong}`), (e: unknown) => e instanceof ConnectError && e.message.includes(wrong) && /no such socket file/.test(e.message));
  const port = await freeLoopbackPort();
  await assert.rejects(GdbClient.connect(`tcp:127.0.0.1:${port}`), (e: unknown) => e instanceof ConnectError && e.message.includes(`tcp:127.0.0.1:${port}`) && /nothing is listening/.test(e.message));
  assert.ok(Date.now() - t0 < 2000);
});

test('QEMU killed (SIGKILL) with QMP and gdb requests in flight: all reject with ConnectionLostError within 2 s', async () => {
  const qmp = await QmpClient.connect(`unix:${guest.qmpPath}`);
  const gdb = await GdbClient.connect(`tcp:127.0.0.1:${guest.gdbPort}`);
  // Freeze QEMU so the requests are certainly unanswered when it dies.
  guest.kill('SIGSTOP');
  const pending = [
    qmp.execute('query-status'),
    qmp.execute('human-monitor-command', { 'command-line': 'info mtree -f' }),
    gdb.memory.readPhysical(0x100000n, 1 << 16),
    gdb.registers.read(),
  ];
  const settled = Promise.allSettled(pending);
  await new Promise((r) => setTimeout(r, 100));
  const t0 = Date.now();
  guest.kill('SIGKILL');
  const results = await settled;
  const ms = Date.now() - t0;
  assert.ok(ms < 2000, `rejections took ${ms} ms`);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok((r as PromiseRejectedResult).reason instanceof ConnectionLostError, String((r as PromiseRejectedResult).reason));
  }
  assert.match((results[0] as PromiseRejectedResult).reason.message, /lost while waiting for QMP query-status/);
  assert.match((results[2] as PromiseRejectedResult).reason.message, /lost while waiting for gdb /);
  assert.equal(qmp.closed, true);
  assert.equal(gdb.closed, true);
  await assert.rejects(qmp.execute('query-status'), ConnectionLostError);
  await assert.rejects(gdb.request('?'), ConnectionLostError);
});
