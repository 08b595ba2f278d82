import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverQemus } from '../../src/qemu/discover.js';
import { startGuest } from '../harness/guest.js';

test('a running QEMU is offered with its QMP socket, gdbstub and pid', async () => {
  const guest = await startGuest({ waitReady: false });
  try {
    const found = await discoverQemus();
    const mine = found.find((c) => c.pid === guest.pid);
    assert.ok(mine, `pid ${guest.pid} not among ${JSON.stringify(found)}`);
    assert.equal(mine.qmp, `unix:${guest.qmpPath}`);
    assert.equal(mine.gdb, `127.0.0.1:${guest.gdbPort}`);
  } finally {
    await guest.dispose();
  }
});
