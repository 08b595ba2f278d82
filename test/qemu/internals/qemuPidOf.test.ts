// Finding QEMU's PID from its QMP endpoint: the /proc/net tables parsed as the kernel prints
// them, then the process holding the socket found among /proc/PID/fd (a fake /proc tree whose
// fd links are real symlinks to the `socket:[INODE]` names the kernel shows).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qemuPidOf, tcpListenInodes, unixSocketInodes } from '../../../src/qemu/qemuPidOf.js';

const UNIX = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 51234 /tmp/vm one/qmp.sock
0000000000000000: 00000003 00000000 00000000 0001 03 51240 /tmp/vm one/qmp.sock
0000000000000000: 00000002 00000000 00010000 0001 01 777 /run/other.sock
0000000000000000: 00000003 00000000 00000000 0001 03 51299
`;
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1235 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9001 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1235 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 9002 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 9003 1 0000000000000000 100 0 0 10 0
`;

test('unix sockets: the listener and its accepted connections share the path (spaces included)', () => {
  assert.deepEqual([...unixSocketInodes(UNIX, '/tmp/vm one/qmp.sock')], ['51234', '51240']);
  assert.deepEqual([...unixSocketInodes(UNIX, '/tmp/vm')], []);
});

test('tcp: only the listener (state 0A) on that port', () => {
  assert.deepEqual([...tcpListenInodes(TCP, 0x1235)], ['9001']);
  assert.deepEqual([...tcpListenInodes(TCP, 4444)], []);
});

const roots: string[] = [];
after(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function fakeProc(holders: Record<string, string[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'iova-lens-proc-'));
  roots.push(root);
  mkdirSync(join(root, 'net'));
  writeFileSync(join(root, 'net/unix'), UNIX);
  writeFileSync(join(root, 'net/tcp'), TCP);
  writeFileSync(join(root, 'net/tcp6'), '  sl  local_address\n');
  for (const [pid, links] of Object.entries(holders)) {
    mkdirSync(join(root, pid, 'fd'), { recursive: true });
    links.forEach((l, i) => symlinkSync(l, join(root, pid, 'fd', String(i))));
  }
  return root;
}

test('the one process holding the socket is QEMU; none, or several, is an error saying to give qemuPid', async () => {
  const proc = fakeProc({ '100': ['/dev/null', 'socket:[777]'], '4242': ['pipe:[5]', 'socket:[51240]'], '5000': ['socket:[9001]'] });
  assert.equal(await qemuPidOf('unix:/tmp/vm one/qmp.sock', proc), 4242);
  assert.equal(await qemuPidOf('tcp:127.0.0.1:4661', proc), 5000);
  await assert.rejects(qemuPidOf('unix:/tmp/none.sock', proc), /cannot tell which process serves QMP unix:\/tmp\/none\.sock: no socket bound to \/tmp\/none\.sock in .*net\/unix; give "qemuPid" in the debug configuration/);
  await assert.rejects(qemuPidOf('tcp:127.0.0.1:22', fakeProc({})), /no process this user may inspect holds its socket/);
  await assert.rejects(qemuPidOf('unix:/tmp/vm one/qmp.sock', fakeProc({ '7': ['socket:[51234]'], '8': ['socket:[51240]'] })), /processes 7, 8 all hold its socket/);
});
