// The debug adapter in this very process (as inline in the extension host), attached to fake
// QMP and gdbstub peers that turn hostile after the attach. After each case the adapter must
// still answer requests, and this process must still be alive (an exception escaping a socket
// callback would end the test run).
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { IovaLensSession } from '../../src/debug/session.js';
import { closeAllPeers, fakePeer, gdbServer, qmpServer } from '../qemu/fakePeers.js';

const WAIT = 8000;

/** A DAP server in this process: every connection gets its own session. */
async function inlineAdapter(): Promise<{ dc: DebugClient; server: Server }> {
  const server = createServer((s: Socket) => {
    const session = new IovaLensSession();
    session.setRunAsServer(true);
    session.start(s, s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dc = new DebugClient('node', 'unused', 'iova-lens');
  dc.defaultTimeout = WAIT;
  await dc.start((server.address() as AddressInfo).port);
  await dc.initializeRequest({ adapterID: 'iova-lens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  return { dc, server };
}

let open: { dc: DebugClient; server: Server } | undefined;
afterEach(async () => {
  await open?.dc.stop().catch(() => undefined);
  open?.server.close();
  open = undefined;
  await closeAllPeers();
});

/** Attach to fake peers; `hostile` then gets the gdb and QMP sockets to misbehave on. */
async function attachThen(hostile: (gdb: Socket, qmp: Socket) => void): Promise<DebugClient> {
  const qmp = await fakePeer(
    qmpServer((s, cmd) => {
      const answer = cmd.execute === 'query-status' ? { return: { status: 'paused', running: false } } : { error: { class: 'GenericError', desc: `${cmd.execute} not scripted` } };
      s.write(JSON.stringify({ ...answer, id: cmd.id }) + '\r\n');
    }),
  );
  const gdb = await fakePeer(gdbServer((p) => (p.startsWith('qSupported') ? 'PacketSize=1000' : p === '?' ? 'T05thread:01;' : 'E01')));
  open = await inlineAdapter();
  const dc = open.dc;
  await dc.attachRequest({ qmp: qmp.endpoint, gdb: gdb.endpoint, timeoutMs: 1000 } as DebugProtocol.AttachRequestArguments);
  hostile(gdb.sockets[0], qmp.sockets[0]);
  return dc;
}

/** Some answer to a threads request (a list or an error message), within the wait. */
async function stillAnswers(dc: DebugClient): Promise<void> {
  const r = await dc.threadsRequest().then(
    (ok) => ({ ok: true, body: ok.body }),
    (e: Error) => ({ ok: false, body: e.message }),
  );
  assert.ok(r.body !== undefined, 'threads answered');
  const ev = await dc.evaluateRequest({ expression: 'help', context: 'repl' }).then(
    () => 'answered',
    (e: Error) => `answered with an error: ${e.message}`,
  );
  assert.match(ev, /answered/);
}

const cases: [string, (gdb: Socket, qmp: Socket) => void][] = [
  ['an unsolicited $Tzz from the gdbstub', (gdb) => gdb.write('$Tzz#' + ((0x54 + 0x7a + 0x7a) & 0xff).toString(16))],
  ['a 1 MiB run-length bomb from the gdbstub', (gdb) => gdb.write(Buffer.concat([Buffer.from('$X'), Buffer.alloc((1 << 20) - 16, '*~'), Buffer.from('#00')]))],
  ['garbage bytes from the gdbstub', (gdb) => gdb.write('\x00\xff garbage')],
  ['a non-JSON line on QMP', (_gdb, qmp) => qmp.write('this is not json\r\n')],
  ['QMP nested 100000 levels deep', (_gdb, qmp) => qmp.write('{"return": ' + '['.repeat(100000))],
  ['both peers hanging up', (gdb, qmp) => {
    gdb.destroy();
    qmp.destroy();
  }],
];

for (const [name, hostile] of cases) {
  test(`adapter survives ${name} and still answers requests`, { timeout: 30_000 }, async () => {
    const dc = await attachThen(hostile);
    await stillAnswers(dc);
  });
}
