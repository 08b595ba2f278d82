// The C-session transport's bounds and refusals with scripted adapters: what a real adapter
// rarely does on demand (never answering, LLDB's expression dialect, a missing readMemory, no
// symbols) and the limits every read keeps (chunks, requests in flight, bytes per stop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CSessionError, CSessionMemory, type CSessionMemoryOptions, type DapRequester } from '../../../src/qemu/internals/index.js';

type Handler = (command: string, args: Record<string, unknown>) => Promise<unknown>;
const adapter = (h: Handler): DapRequester & { log: { command: string; args: Record<string, unknown> }[] } => {
  const log: { command: string; args: Record<string, unknown> }[] = [];
  return {
    log,
    request: (command, args) => {
      log.push({ command, args });
      return h(command, args);
    },
  };
};
const OPTS: CSessionMemoryOptions = { session: 'QEMU', adapter: 'test', frameId: 7, supportsReadMemory: true };
/** an adapter that knows QEMU's types and serves bytes `byte(addr)` */
const qemuLike = (byte = (a: bigint): number => Number(a & 0xffn)): Handler => async (command, args) => {
  if (command === 'evaluate') return { result: '4096' };
  const at = BigInt(args.memoryReference as string);
  const n = args.count as number;
  return { address: args.memoryReference, data: Buffer.from(Array.from({ length: n }, (_, i) => byte(at + BigInt(i)))).toString('base64') };
};
const refused = (reason: string, re: RegExp) => (e: Error): boolean => e instanceof CSessionError && e.reason === reason && re.test(e.message);

test('expressions go out as plain reads in the stopped frame, with the adapter\'s prefix; a call never does', async () => {
  const a = adapter(qemuLike());
  const mem = await CSessionMemory.open(a, { ...OPTS, expressionPrefix: '/nat ' });
  assert.equal(await mem.offsetOf('struct vhost_dev', 'entry.le_next'), 4096n);
  assert.deepEqual(a.log.map((r) => r.args.expression), ['/nat (unsigned long)(sizeof(AddressSpace))', '/nat (unsigned long)(&((struct vhost_dev *)0)->entry.le_next)']);
  assert.ok(a.log.every((r) => r.args.frameId === 7));
  await assert.rejects(mem.evaluate('vhost_iova_tree_find_iova(t, &m)'), /only plain reads, never calls into QEMU/);
  await assert.rejects(mem.evaluate('g_tree_nnodes (t)'), /only plain reads/);
  assert.equal(a.log.length, 2);
});

test('a read is cut into chunks, reassembled in order, never more than maxInFlight at once', async () => {
  let inFlight = 0;
  let peak = 0;
  const gates: (() => void)[] = [];
  const inner = qemuLike();
  const a = adapter(async (c, args) => {
    if (c !== 'readMemory') return inner(c, args);
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise<void>((r) => gates.push(r));
    inFlight--;
    return inner(c, args);
  });
  const mem = await CSessionMemory.open(a, { ...OPTS, chunkBytes: 64, maxInFlight: 2 });
  const reading = mem.read(0x1000n, 300);
  // let the adapter answer one request at a time until the read completes
  const release = async (): Promise<void> => {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const g = gates.shift();
      if (!g) return;
      g();
    }
  };
  const [bytes] = await Promise.all([reading, release()]);
  assert.equal(peak, 2);
  assert.deepEqual(a.log.filter((r) => r.command === 'readMemory').map((r) => [r.args.memoryReference, r.args.count]), [
    ['0x1000', 64],
    ['0x1040', 64],
    ['0x1080', 64],
    ['0x10c0', 64],
    ['0x1100', 44],
  ]);
  assert.deepEqual([...bytes], Array.from({ length: 300 }, (_, i) => i & 0xff));
});

test('bytes per stop are bounded; one read over 16 MiB is refused before any request', async () => {
  const a = adapter(qemuLike());
  const mem = await CSessionMemory.open(a, { ...OPTS, budgetBytes: 100 });
  await mem.read(0n, 64);
  await assert.rejects(mem.read(64n, 64), refused('too-much', /reading 64 bytes at 0x40 would pass the 100 bytes read at one stop/));
  await assert.rejects(mem.read(0n, 17 << 20), refused('too-much', /refusing to read 17825792 bytes/));
  assert.equal(a.log.filter((r) => r.command === 'readMemory').length, 1);
});

test('an adapter that never answers: a timeout naming the request; fewer bytes than asked: refused, never padded', async () => {
  const silent = await CSessionMemory.open(adapter(async (c) => (c === 'evaluate' ? { result: '1' } : new Promise(() => undefined))), { ...OPTS, timeoutMs: 20 });
  await assert.rejects(silent.read(0x2000n, 8), refused('timeout', /reading 8 bytes at 0x2000: the test adapter did not answer readMemory within 20 ms/));
  const short = await CSessionMemory.open(adapter(async (c) => (c === 'evaluate' ? { result: '1' } : { address: '0x3000', data: Buffer.alloc(3).toString('base64'), unreadableBytes: 5 })), OPTS);
  await assert.rejects(short.read(0x3000n, 8), refused('refused', /only 3 of them are readable \(5 unreadable\)/));
});

test('no readMemory: refused up front by the capability, or by the adapter\'s own answer', async () => {
  await assert.rejects(CSessionMemory.open(adapter(qemuLike()), { ...OPTS, supportsReadMemory: false }), refused('no-read-memory', /its debug adapter \(test\) does not support DAP's readMemory request/));
  const old = await CSessionMemory.open(adapter(async (c) => (c === 'evaluate' ? { result: '1' } : Promise.reject(new Error('Unrecognized request: readMemory')))), { ...OPTS, supportsReadMemory: undefined });
  await assert.rejects(old.read(0n, 8), refused('no-read-memory', /does not support DAP's readMemory/));
});

test('no debug information, symbols without types, and a debuggee that is not QEMU are told apart', async () => {
  const answering = (sizeofAnswer: string, symbol: string | Error): Handler => async (_c, a) =>
    String(a.expression).includes('sizeof') ? Promise.reject(new Error(sizeofAnswer)) : symbol instanceof Error ? Promise.reject(symbol) : { result: symbol };
  await assert.rejects(CSessionMemory.open(adapter(answering('No symbol table is loaded.  Use the "file" command.', new Error('No symbol table is loaded.'))), OPTS), refused('no-debug-info', /QEMU has no debug information there.*--enable-debug-info.*debuginfod/));
  await assert.rejects(CSessionMemory.open(adapter(answering('No symbol "AddressSpace" in current context.', '94558')), OPTS), refused('no-debug-info', /knows no AddressSpace type/));
  await assert.rejects(CSessionMemory.open(adapter(answering('No symbol "AddressSpace" in current context.', new Error('No symbol "address_space_memory" in current context.'))), OPTS), refused('not-qemu', /not a QEMU system emulator/));
});

test('the session runs again: every later request is refused before it is sent; an adapter saying so is understood', async () => {
  let stopped = true;
  const a = adapter(qemuLike());
  const mem = await CSessionMemory.open(a, { ...OPTS, isStopped: () => stopped });
  stopped = false;
  const sent = a.log.length;
  await assert.rejects(mem.read(0n, 8), refused('running', /the session is not stopped/));
  assert.equal(a.log.length, sent);
  const gdb = await CSessionMemory.open(adapter(async (c) => (c === 'evaluate' ? { result: '1' } : Promise.reject(new Error('Cannot execute this command while the target is running.')))), OPTS);
  await assert.rejects(gdb.read(0n, 8), refused('running', /not stopped/));
});
