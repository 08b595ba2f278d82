// QMP's timeout is a silence, not a stopwatch: a big reply that keeps arriving is waited for, a
// peer that drips bytes is cut off at the cap. The peer is an in-memory channel and the clock is
// node:test's mock timers, so every step is an exact tick.
import { test, mock, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { TimeoutError } from '../../src/qemu/errors.js';
import type { ByteChannel } from '../../src/qemu/channel.js';
import { QMP_GREETING } from './fakePeers.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

/** A peer that answers qmp_capabilities and hands every other command's id to the test. */
function peer(): { channel: ByteChannel; send(text: string): void; ids: number[] } {
  let listener: ((b: Buffer) => void) | undefined;
  const ids: number[] = [];
  const send = (text: string): void => listener?.(Buffer.from(text));
  const channel: ByteChannel = {
    write(data) {
      const cmd = JSON.parse(String(data)) as { execute: string; id: number };
      if (cmd.execute === 'qmp_capabilities') queueMicrotask(() => send(`{"return": {}, "id": ${cmd.id}}\r\n`));
      else ids.push(cmd.id);
    },
    onData(l) {
      listener = l;
      queueMicrotask(() => send(QMP_GREETING));
    },
    onClose() {},
    destroy() {},
  };
  return { channel, send, ids };
}

async function connected(timeoutMs: number): Promise<{ qmp: QmpClient; p: ReturnType<typeof peer> }> {
  const p = peer();
  const qmp = await QmpClient.connect('unix:/scripted', { open: async () => p.channel, timeoutMs });
  return { qmp, p };
}

test('a reply that keeps arriving is waited for past the timeout; the silence restarts with each chunk', async () => {
  const { qmp, p } = await connected(100);
  const reply = qmp.execute('human-monitor-command', { 'command-line': 'info mtree -f' });
  const id = p.ids[0]!;
  p.send(`{"return": "FlatView #0\\r\\n`);
  for (let i = 0; i < 10; i++) {
    mock.timers.tick(90);
    p.send(`  ${i.toString(16).padStart(16, '0')}-ffff (prio 0, ram): pc.ram\\r\\n`);
  }
  mock.timers.tick(90);
  p.send(`", "id": ${id}}\r\n`);
  const text = (await reply) as string;
  assert.match(text, /^FlatView #0\r\n/);
  assert.equal(text.split('\r\n').length, 12);
  qmp.close();
});

test('silence longer than the timeout fails the command, naming it and the time', async () => {
  const { qmp } = await connected(100);
  const reply = qmp.execute('query-status');
  mock.timers.tick(100);
  await assert.rejects(reply, (e: unknown) => e instanceof TimeoutError && e.message === 'QMP query-status on unix:/scripted: no answer within 100 ms');
  qmp.close();
});

test('a peer dripping a byte just inside the timeout is cut off at the cap (a minute for short timeouts)', async () => {
  const { qmp, p } = await connected(100);
  const reply = qmp.execute('query-status');
  let failed: unknown;
  reply.catch((e: unknown) => (failed = e));
  p.send('{"return": "');
  let ms = 0;
  while (failed === undefined && ms < 120_000) {
    mock.timers.tick(90);
    ms += 90;
    p.send('a');
    await Promise.resolve();
  }
  assert.ok(failed instanceof TimeoutError, String(failed));
  assert.equal((failed as Error).message, 'QMP query-status on unix:/scripted: no complete answer within 60000 ms');
  assert.ok(ms >= 60_000 && ms < 60_200, `cut off after ${ms} ms`);
  qmp.close();
});
