// The language server's bounded message reader: framing across any chunk split, headers cut
// anywhere, garbage headers closing with a reason, and an over-limit body streamed past with only
// its ends kept, turned into the small internal message the server answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { HEAD_BYTES, MAX_HEADER_BYTES, MessageFramer, type Framed } from '../../src/server/messageFramer.js';
import { BoundedMessageReader, translate } from '../../src/server/boundedReader.js';
import { DocumentTooLargeNotification, MessageTooLargeRequest } from '../../src/shared/protocol/lsp.js';

const frame = (body: string | Buffer, header?: string): Buffer => {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(header ?? `Content-Length: ${b.length}\r\n\r\n`, 'latin1'), b]);
};
const json = (v: unknown): Buffer => frame(JSON.stringify(v));

/** Push `bytes` split at the given sizes (cycled), collecting every result. */
function feed(framer: MessageFramer, bytes: Buffer, sizes: number[]): Framed[] {
  const out: Framed[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    out.push(...framer.push(bytes.subarray(at, at + n)));
    at += n;
  }
  return out;
}

const messages = (fs: Framed[]): unknown[] => fs.map((f) => (f.kind === 'message' ? f.message : f));

test('messages come out whole and in order however the stream is split, headers cut anywhere', () => {
  const msgs = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { capabilities: {} } },
    { jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: 'file:///t/é.log', version: 3, text: 'vhost_vdpa_dma_map ✓\n'.repeat(50) } } },
    { jsonrpc: '2.0', id: 'x', result: null },
  ];
  const stream = Buffer.concat([json(msgs[0]), frame(JSON.stringify(msgs[1]), `Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(JSON.stringify(msgs[1]))}\r\n\r\n`), json(msgs[2])]);
  for (const sizes of [[stream.length], [1], [2, 3, 5], [17], [7, 1, 1, 64]]) {
    assert.deepEqual(messages(feed(new MessageFramer(), stream, sizes)), msgs, `split ${sizes.join(',')}`);
  }
});

test('garbage headers are fatal with a reason, and nothing is read after them', () => {
  const cases: [string, RegExp][] = [
    ['Content-Type: application/json\r\n\r\n{}', /no Content-Length header/],
    ['Content-Length: -5\r\n\r\n{}', /Content-Length is not a byte count: "-5"/],
    ['Content-Length: twelve\r\n\r\n{}', /Content-Length is not a byte count: "twelve"/],
    ['Content-Length: 99999999999999999999\r\n\r\n{}', /not a byte count/],
    ['hello world\r\n\r\n{}', /header line without a name/],
    ['Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=latin1\r\n\r\n{}', /unsupported charset "latin1"/],
  ];
  for (const [text, reason] of cases) {
    const out = feed(new MessageFramer(), Buffer.from(text + 'Content-Length: 2\r\n\r\n{}', 'latin1'), [3]);
    assert.equal(out.length, 1, text);
    assert.equal(out[0].kind, 'fatal');
    assert.match((out[0] as { reason: string }).reason, reason);
  }
});

test('a header block that never ends is fatal once it passes the bound, without holding more', () => {
  const framer = new MessageFramer();
  const junk = Buffer.alloc(1024, 'x');
  const out: Framed[] = [];
  for (let i = 0; i < 64 && !out.length; i++) out.push(...framer.push(junk));
  assert.equal(out.length, 1);
  assert.deepEqual(out[0], { kind: 'fatal', reason: `a header block longer than ${MAX_HEADER_BYTES} bytes` });
  assert.deepEqual(framer.push(json({ jsonrpc: '2.0', method: 'x' })), []);
});

test('a body that is not JSON is dropped with its size; the next message still comes through', () => {
  const out = feed(new MessageFramer(), Buffer.concat([frame('{"jsonrpc":'), json({ jsonrpc: '2.0', method: 'exit' })]), [4]);
  assert.equal(out[0].kind, 'bad-json');
  assert.equal((out[0] as { bytes: number }).bytes, 11);
  assert.deepEqual(out[1], { kind: 'message', message: { jsonrpc: '2.0', method: 'exit' } });
});

function didOpen(uri: string, text: string, keysFirst: boolean): string {
  // clients write keys in any order: the URI may come after the text
  const td = keysFirst ? { uri, languageId: 'qemu-trace', version: 7, text } : { text, languageId: 'qemu-trace', version: 7, uri };
  return JSON.stringify({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: td } });
}

test('an over-limit didOpen is streamed past: only its ends are kept, then the server gets DocumentTooLarge', () => {
  const limit = 1 << 20;
  // the text itself pretends to be another document: it must not be taken for the real URI
  const text = '\\"uri\\":\\"file:///evil\\" "uri":"file:///evil2"\n'.repeat(60_000);
  for (const keysFirst of [true, false]) {
    const body = didOpen('file:///t/big trace.log', text, keysFirst);
    assert.ok(body.length > 2 * limit);
    const framer = new MessageFramer(limit);
    const out = feed(framer, Buffer.concat([frame(body), json({ jsonrpc: '2.0', id: 2, method: 'shutdown' })]), [65536, 1000, 3]);
    assert.equal(out.length, 2);
    assert.equal(out[0].kind, 'oversized');
    const o = out[0] as Extract<Framed, { kind: 'oversized' }>;
    assert.equal(o.body.bytes, Buffer.byteLength(body));
    assert.ok(o.body.head.length === HEAD_BYTES && o.body.tail.length === HEAD_BYTES, `kept ${o.body.head.length} + ${o.body.tail.length} bytes`);
    const logs: string[] = [];
    const msg = translate(o, limit, (l) => logs.push(l));
    assert.deepEqual(msg, { jsonrpc: '2.0', method: DocumentTooLargeNotification.method, params: { uri: 'file:///t/big trace.log', version: 7, bytes: Buffer.byteLength(body), limit } });
    assert.match(logs[0], /textDocument\/didOpen of \d+ bytes, over the 1048576-byte limit: file:\/\/\/t\/big trace\.log is not kept/);
    assert.deepEqual(out[1], { kind: 'message', message: { jsonrpc: '2.0', id: 2, method: 'shutdown' } });
  }
});

test('an over-limit request is answered through MessageTooLarge under its id; a notification is dropped with a log line', () => {
  const limit = 1000;
  const big = 'x'.repeat(5000);
  const logs: string[] = [];
  const request = JSON.stringify({ jsonrpc: '2.0', id: 41, method: 'textDocument/hover', params: { pad: big } });
  const note = JSON.stringify({ jsonrpc: '2.0', method: 'custom/note', params: { pad: big } });
  const out = feed(new MessageFramer(limit), Buffer.concat([frame(request), frame(note)]), [999]);
  const msgs = out.map((f) => translate(f, limit, (l) => logs.push(l)));
  assert.deepEqual(msgs[0], { jsonrpc: '2.0', id: 41, method: MessageTooLargeRequest.method, params: { method: 'textDocument/hover', bytes: request.length, limit } });
  assert.equal(msgs[1], undefined);
  assert.equal(logs[1], `a custom/note of ${note.length} bytes, over the 1000-byte limit: dropped`);
});

test('non-object messages are dropped with a log line, not handed to the connection', () => {
  const logs: string[] = [];
  for (const message of [5, null, [{ jsonrpc: '2.0', method: 'exit' }]]) assert.equal(translate({ kind: 'message', message }, 1, (l) => logs.push(l)), undefined);
  assert.equal(logs.length, 3);
  assert.match(logs[2], /batches are not part of LSP/);
});

test('the reader over a stream: messages to the callback, broken framing fires error and close once', async () => {
  const input = new PassThrough();
  const logs: string[] = [];
  const reader = new BoundedMessageReader(input, (l) => logs.push(l));
  const got: unknown[] = [];
  const errors: string[] = [];
  let closes = 0;
  reader.onError((e) => errors.push(e.message));
  const closed = new Promise<void>((r) => reader.onClose(() => (closes++, r())));
  reader.listen((m) => got.push(m));
  input.write(json({ jsonrpc: '2.0', method: 'initialized', params: {} }));
  input.write('Content-Length: 1x\r\n\r\n');
  await closed;
  input.end();
  await new Promise((r) => input.once('end', r).resume());
  assert.deepEqual(got, [{ jsonrpc: '2.0', method: 'initialized', params: {} }]);
  assert.deepEqual(errors, ['malformed message framing: Content-Length is not a byte count: "1x"']);
  assert.equal(closes, 1);
  assert.match(logs[0], /closing the connection: Content-Length is not a byte count/);
});
