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
import { hangLimit } from '../harness/hangLimit.js';

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
async function attachThen(hostile: (gdb: Socket, qmp: Socket) => void, gdbReceived: string[] = []): Promise<DebugClient> {
  const qmp = await fakePeer(
    qmpServer((s, cmd) => {
      const answer = cmd.execute === 'query-status' ? { return: { status: 'paused', running: false } } : { error: { class: 'GenericError', desc: `${cmd.execute} not scripted` } };
      s.write(JSON.stringify({ ...answer, id: cmd.id }) + '\r\n');
    }),
  );
  const gdb = await fakePeer(gdbServer((p) => (p.startsWith('qSupported') ? 'PacketSize=1000' : p === '?' ? 'T05thread:01;' : 'E01'), gdbReceived));
  open = await inlineAdapter();
  const dc = open.dc;
  await dc.attachRequest({ qmp: qmp.endpoint, gdb: gdb.endpoint, timeoutMs: 1000 } as DebugProtocol.AttachRequestArguments);
  hostile(gdb.sockets[0], qmp.sockets[0]);
  return dc;
}

/** The bound: the adapter answers within 2 s of the fault. */
const AFTER_FAULT_MS = 2000;

/** `p`, or a rejection naming `what` once `deadline` (on performance.now's clock) passes. */
function by<T>(deadline: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer by the deadline, ${AFTER_FAULT_MS} ms after the fault`)), Math.max(0, deadline - performance.now()));
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Some answer (a result or an error response) to threads and to an evaluate, within 2 s of the fault. */
async function stillAnswers(dc: DebugClient, faultAt = performance.now()): Promise<void> {
  const deadline = faultAt + hangLimit(AFTER_FAULT_MS).ms;
  const answered = (e: unknown): string => {
    if (e instanceof Error && / after the fault$/.test(e.message)) throw e;
    return `answered with an error: ${(e as Error).message}`;
  };
  const threads = await by(deadline, 'threads', dc.threadsRequest().then(() => 'answered', answered));
  assert.match(threads, /answered/);
  const ev = await by(deadline, 'evaluate', dc.evaluateRequest({ expression: 'help', context: 'repl' }).then(() => 'answered', answered));
  assert.match(ev, /answered/);
  // this test file's process is the extension host's stand-in: its peak stays under the bound
  const peakMb = process.resourceUsage().maxRSS / 1024;
  assert.ok(peakMb <= 400, `peak RSS ${peakMb.toFixed(0)} MiB over 400 MiB`);
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
  test(`adapter survives ${name} and still answers requests`, { timeout: 30_000 }, async (t) => {
    let faultAt = 0;
    const dc = await attachThen((gdb, qmp) => {
      faultAt = performance.now();
      hostile(gdb, qmp);
    });
    await stillAnswers(dc, faultAt);
    t.diagnostic(`answered ${(performance.now() - faultAt).toFixed(0)} ms after the fault; peak RSS of this process ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  });
}

test('readMemory of gpa:0xfffffffffffffff0 + 32 is refused as a wrap, nothing is read, the session goes on', { timeout: 30_000 }, async () => {
  const received: string[] = [];
  const dc = await attachThen(() => undefined, received);
  const before = received.length;
  for (const [memoryReference, offset, count] of [['gpa:0xfffffffffffffff0', 0, 32], ['gpa:0xfffffffffffffff0', 16, 1], ['gpa:0x10', -32, 8]] as const) {
    await assert.rejects(dc.customRequest('readMemory', { memoryReference, offset, count }), /would wrap around the 64-bit address space/);
  }
  assert.deepEqual(received.slice(before).filter((p) => p.startsWith('m')), [], 'no memory read reached the gdbstub');
  await stillAnswers(dc);
});

/** Attach to a QMP peer that greets and then never answers query-status; the attach's error text. */
async function attachToSilentQmp(timeoutMs: number | undefined): Promise<string> {
  const qmp = await fakePeer(qmpServer(() => undefined));
  const gdb = await fakePeer(gdbServer((p) => (p.startsWith('qSupported') ? 'PacketSize=1000' : p === '?' ? 'T05thread:01;' : 'E01')));
  open = await inlineAdapter();
  const args = { qmp: qmp.endpoint, gdb: gdb.endpoint, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
  const failed = await open.dc.attachRequest(args as DebugProtocol.AttachRequestArguments).then(
    () => '',
    (e: Error) => e.message,
  );
  await stillAnswers(open.dc);
  return failed;
}

test('attach argument timeoutMs: a silent QMP is reported dead after that long, by name', { timeout: 30_000 }, async () => {
  const start = performance.now();
  const failed = await by(start + 300 + hangLimit(AFTER_FAULT_MS).ms, 'attach with timeoutMs 300', attachToSilentQmp(300));
  assert.match(failed, /no answer within 300 ms/);
});

test('attach without timeoutMs: the default reports a silent QMP within ~2 s', { timeout: 30_000 }, async () => {
  const start = performance.now();
  const failed = await by(start + 2000 + hangLimit(AFTER_FAULT_MS).ms, 'attach with the default timeout', attachToSilentQmp(undefined));
  assert.match(failed, /no answer within 2000 ms/);
});
