// A document too big for the language server, sent by an LSP client over stdio to a real server
// process: the server never buffers it, publishes one diagnostic saying what to do instead, keeps
// answering other documents, analyses the document again once a change brings it under the limit,
// and its peak RSS (VmHWM) stays under 300 MiB. Requests over the limit get an error; broken
// framing ends the server with the reason on stderr, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Hover, PublishDiagnosticsParams } from 'vscode-languageserver';
import { hangLimit } from '../harness/hangLimit.js';

const ROOT = join(__dirname, '../..');
const SLOW = { timeout: 120_000 };
const MAP = 'vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 uaddr: 0x7f0000001000 perm: 0x3 type: 2\n';

interface Server {
  child: ChildProcessWithoutNullStreams;
  conn: MessageConnection;
  stderr: () => string;
  /** the next diagnostics published for a URI */
  diagnostics: (uri: string) => Promise<PublishDiagnosticsParams>;
  peakRssMb: () => number;
  stop: () => Promise<void>;
}

async function startServer(initializationOptions?: unknown): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server/server.ts'), '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<string, ((p: PublishDiagnosticsParams) => void)[]>();
  conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => waiting.get(p.uri)?.shift()?.(p));
  conn.onNotification('window/logMessage', () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {}, initializationOptions });
  await conn.sendNotification('initialized', {});
  return {
    child,
    conn,
    stderr: () => err,
    diagnostics: (uri) => new Promise((r) => waiting.set(uri, [...(waiting.get(uri) ?? []), r])),
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024,
    async stop() {
      await conn.sendRequest('shutdown').catch(() => undefined);
      await conn.sendNotification('exit').catch(() => undefined);
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
      conn.dispose();
    },
  };
}

const hover = (s: Server, uri: string, line: number, character: number) => s.conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line, character } });
const hoverText = (h: Hover | null): string => (h?.contents as { value: string } | undefined)?.value ?? '';

test('a 70 MB didOpen over stdio: one diagnostic, no text kept, other documents answered, back to normal when small, peak RSS <= 300 MiB', SLOW, async (t) => {
  const s = await startServer();
  try {
    const big = 'file:///tmp/iova-lens-limit/big.log';
    const small = 'file:///tmp/iova-lens-limit/small.log';
    const text = MAP.repeat(Math.ceil(70e6 / MAP.length));
    const refusedDiag = s.diagnostics(big);
    const params = { textDocument: { uri: big, languageId: 'qemu-trace', version: 1, text } };
    await s.conn.sendNotification('textDocument/didOpen', params);
    // the size the server can know: the message that carried the text
    const bytes = Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params }));
    const d = await refusedDiag;
    assert.equal(d.diagnostics.length, 1, JSON.stringify(d.diagnostics));
    const [one] = d.diagnostics;
    assert.equal(one.code, 'document-too-large');
    assert.deepEqual(one.range.start, { line: 0, character: 0 });
    assert.equal(d.version, 1);
    const mib = (bytes / 2 ** 20).toFixed(1);
    assert.match(one.message, new RegExp(`^This trace is about ${mib.replace('.', '\\.')} MiB, over the IOVA Lens language server's 64 MiB limit`));
    assert.match(one.message, /Open in Trace Viewer/);
    assert.match(one.message, /`iova-lens check \/tmp\/iova-lens-limit\/big\.log`/);
    assert.equal(await hover(s, big, 0, 60), null, 'no hover on a refused document');
    assert.deepEqual(await s.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: big } }), []);

    const smallDiag = s.diagnostics(small);
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: small, languageId: 'qemu-trace', version: 1, text: MAP } });
    await smallDiag;
    assert.match(hoverText(await hover(s, small, 0, MAP.indexOf('0x1000') + 2)), /IOVA `0x1000`/);

    // a small change brings the refused document back: analysed, its refusal diagnostic replaced
    const backDiag = s.diagnostics(big);
    await s.conn.sendNotification('textDocument/didChange', { textDocument: { uri: big, version: 2 }, contentChanges: [{ text: MAP }] });
    const back = await backDiag;
    assert.equal(back.version, 2);
    assert.ok(!back.diagnostics.some((x) => x.code === 'document-too-large'), JSON.stringify(back.diagnostics));
    assert.match(hoverText(await hover(s, big, 0, MAP.indexOf('0x1000') + 2)), /IOVA `0x1000`/);

    const peak = s.peakRssMb();
    t.diagnostic(`server peak RSS (VmHWM) ${peak.toFixed(0)} MiB`);
    assert.ok(peak <= 300, `server peak RSS ${peak.toFixed(0)} MiB over 300 MiB`);
    assert.doesNotMatch(s.stderr(), /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
    assert.match(s.stderr(), new RegExp(`textDocument/didOpen of ${bytes} bytes, over the 67108864-byte limit`));
  } finally {
    await s.stop();
  }
});

test('initializationOptions.maxDocumentMB sets the limit; an over-limit request gets a JSON-RPC error under its id', SLOW, async () => {
  const s = await startServer({ maxDocumentMB: 1 });
  try {
    const uri = 'file:///tmp/iova-lens-limit/two.log';
    const refused = s.diagnostics(uri);
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'qemu-trace', version: 4, text: MAP.repeat(Math.ceil(2e6 / MAP.length)) } });
    assert.match((await refused).diagnostics[0]?.message ?? '', /over the IOVA Lens language server's 1 MiB limit/);
    await assert.rejects(
      s.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 0 }, padding: 'x'.repeat(2 << 20) }),
      /textDocument\/hover is \d+ bytes, over the language server's 1048576-byte message limit; it was not read/,
    );
    assert.equal(await hover(s, uri, 0, 0), null, 'the server still answers');
  } finally {
    await s.stop();
  }
});

test('a bad maxDocumentMB is reported on stderr and the default limit kept', SLOW, async () => {
  const s = await startServer({ maxDocumentMB: 'lots' });
  try {
    assert.equal(await hover(s, 'file:///none', 0, 0), null);
    assert.match(s.stderr(), /initializationOptions\.maxDocumentMB: expected an integer in 1\.\.4096, got "lots"; keeping the 64 MiB limit/);
  } finally {
    await s.stop();
  }
});

test('garbage framing ends the server with the reason on stderr and no stack trace', SLOW, async () => {
  for (const garbage of ['Content-Length: -1\r\n\r\n{}', 'Content-Type: text/plain\r\n\r\n{}', 'x'.repeat(20_000)]) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server/server.ts'), '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    child.stdout.resume();
    child.stdin.on('error', () => undefined);
    child.stdin.write(garbage);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, sig) => r([c, sig])));
    child.stdin.destroy();
    assert.equal(signal, null);
    assert.equal(code, 1, `exit code (stderr: ${err})`);
    assert.match(err, /closing the connection: (Content-Length is not a byte count|no Content-Length header|a header block longer than 8192 bytes)/);
    assert.doesNotMatch(err, /\n\s+at .+:\d+:\d+\)?\n/, `no stack trace: ${err}`);
  }
});

/** `p`, or a failure saying the server did not answer `what` within `ms` (a hang limit, not a measurement). */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = hangLimit(ms);
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${limit.says}`)), limit.ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

test('hostile documents: 1 MiB of blanks before an ftrace marker (was 7 s of regex), 100k map/unmap pairs; answered within 2 s / 5 s, peak RSS <= 300 MiB', SLOW, async (t) => {
  const s = await startServer();
  try {
    const ws = 'file:///tmp/iova-lens-limit/blanks.log';
    const blanks = ' '.repeat(1 << 20) + 'x-1 [000] .... 1.000000: tracing_mark_write: virtio_notify vdev 0x1 vq 0x2\n' + MAP;
    const wsDiag = s.diagnostics(ws);
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: ws, languageId: 'qemu-trace', version: 1, text: blanks } });
    await within(2000, 'diagnostics of the blank-prefixed document', wsDiag);
    assert.match(hoverText(await within(2000, 'hover', hover(s, ws, 1, MAP.indexOf('0x1000') + 2))), /IOVA `0x1000`/);

    const pairs = 'file:///tmp/iova-lens-limit/pairs.log';
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const iova = (0x100000 + i * 0x1000).toString(16);
      lines.push(`vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x${iova} size: 0x1000 uaddr: 0x7f0000000000 perm: 0x3 type: 2`);
      lines.push(`vhost_vdpa_dma_unmap vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x${iova} size: 0x1000 type: 3`);
    }
    const pairsDiag = s.diagnostics(pairs);
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: pairs, languageId: 'qemu-trace', version: 1, text: lines.join('\n') + '\n' } });
    await within(5000, 'diagnostics of 100k pairs', pairsDiag);
    const last = lines.length - 2;
    const h = await within(2000, 'hover on the last map', hover(s, pairs, last, lines[last].indexOf('iova: 0x') + 8));
    assert.match(hoverText(h), /IOVA `0x/);
    const peak = s.peakRssMb();
    t.diagnostic(`server peak RSS (VmHWM) ${peak.toFixed(0)} MiB`);
    assert.ok(peak <= 300, `server peak RSS ${peak.toFixed(0)} MiB over 300 MiB`);
  } finally {
    await s.stop();
  }
});
