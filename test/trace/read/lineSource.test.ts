import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrace, readTraceBytes, readTraceFile, readTraceText } from '../../../src/trace/read/traceReader.js';
import { splitLines } from '../../../src/trace/read/lineSource.js';
import type { TraceRecord } from '../../../src/trace/types.js';

/** Lines as `wc -l` plus an unterminated last line. */
const expectedLines = (b: Buffer): number => {
  let n = 0;
  for (const c of b) if (c === 10) n++;
  return b.length > 0 && b[b.length - 1] !== 10 ? n + 1 : n;
};

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const withTmp = async (fn: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-read-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('CRLF, a final line without newline, offsets in bytes and 1-based line numbers', () => {
  const text = 'virtio_set_status vdev 0x1 val 0\r\n\r\nérror: «quoted»\nvirtio_notify vdev 0x1 vq 0x2';
  const r = readTraceText(text);
  assert.deepEqual(r.map((x) => [x.kind, x.line]), [['event', 1], ['blank', 2], ['text', 3], ['event', 4]]);
  const bytes = Buffer.from(text);
  // every offset is the byte where its line starts
  assert.deepEqual(r.map((x) => x.offset), [0, 34, 36, bytes.indexOf('virtio_notify')]);
  const t = r[2];
  assert.ok(t.kind === 'text');
  assert.equal(t.text, 'érror: «quoted»');
  const last = r[3];
  assert.ok(last.kind === 'event');
  assert.deepEqual(last.fields, { vdev: 1n, vq: 2n });
});

test('invalid UTF-8 never throws; the line count and offsets stay right', () => {
  const bytes = Buffer.concat([
    Buffer.from('virtio_set_status vdev 0x1 val 3\n'),
    Buffer.from([0xff, 0xfe, 0x80, 0x20, 0xc3, 0x0a]),
    Buffer.from('virtqueue_flush vq 0x\xe9 count 1\n', 'latin1'),
    Buffer.from('virtqueue_flush vq 0x10 count 1\n'),
  ]);
  const r = readTraceBytes(bytes);
  assert.deepEqual(r.map((x) => x.kind), ['event', 'text', 'malformed', 'event']);
  assert.equal(r[3].offset, bytes.lastIndexOf('virtqueue_flush'));
});

test('a 5 MiB line is cut at the limit with a reason, and reading goes on', async () => {
  const big = 'vhost_vdpa_dump_config dev: 0x1 ' + 'x'.repeat(5 << 20);
  const text = `virtio_set_status vdev 0x1 val 0\n${big}\n${'y'.repeat(3 << 20)}\nvirtio_set_status vdev 0x1 val 1\n`;
  const check = (r: TraceRecord[]) => {
    assert.deepEqual(r.map((x) => x.kind), ['event', 'malformed', 'text', 'event']);
    const m = r[1];
    assert.ok(m.kind === 'malformed');
    assert.equal(m.name, 'vhost_vdpa_dump_config');
    assert.match(m.reason, new RegExp(`line is ${Buffer.byteLength(big)} bytes, over the 1048576-byte limit`));
    const t = r[2];
    assert.ok(t.kind === 'text');
    assert.match(t.reason ?? '', /over the 1048576-byte limit/);
    assert.ok(t.text.length <= 4096);
    assert.equal(r[3].line, 4);
    assert.equal(r[3].offset, Buffer.byteLength(text) - 'virtio_set_status vdev 0x1 val 1\n'.length);
  };
  check(readTraceText(text));
  // the same through the file reader with chunks smaller than the line
  await withTmp(async (dir) => {
    const p = join(dir, 'big.log');
    writeFileSync(p, text);
    const got: TraceRecord[] = [];
    await readTrace(p, (x) => got.push(x), { chunkBytes: 256 * 1024 });
    check(got);
  });
});

test('chunked file reading gives exactly the records of the in-memory reader', async () => {
  const sample = readFileSync('samples/qemu-7.2-vtd-net/trace.log');
  const mixed = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('4242@1700000000.100137:vhost_vdpa_listener_region_del vdpa: 0x1 iova 0x0 llend 0xfff\r\n'),
    sample.subarray(0, 20000),
    Buffer.from('\nqemu-system-x86_64: terminating on signal 15\r\nvirtio_set_status vdev 0x1 val 0'),
  ]);
  const whole = readTraceBytes(mixed);
  assert.equal(whole.length, expectedLines(mixed));
  assert.equal(whole[0].kind, 'event');
  await withTmp(async (dir) => {
    const p = join(dir, 't.log');
    writeFileSync(p, mixed);
    for (const chunkBytes of [1, 7, 64, 4093]) {
      const got: TraceRecord[] = [];
      const progress: number[] = [];
      const s = await readTrace(p, (x) => got.push(x), { chunkBytes, onProgress: (n, total) => { assert.equal(total, mixed.length); progress.push(n); } });
      assert.equal(s.records, whole.length);
      assert.equal(progress.at(-1), mixed.length);
      assert.deepEqual(got, whole, `chunkBytes ${chunkBytes}`);
    }
    const iterated: TraceRecord[] = [];
    for await (const x of readTraceFile(p, { chunkBytes: 1000 })) iterated.push(x);
    assert.deepEqual(iterated, whole);
    // the first line's text starts after the byte-order mark
    assert.equal(whole[0].offset, 3);
    for (const x of whole.slice(1)) assert.equal(mixed[x.offset - 1], 10, `offset of line ${x.line}`);
  });
});

test('an aborted read stops with the signal reason', async () => {
  await withTmp(async (dir) => {
    const p = join(dir, 'a.log');
    writeFileSync(p, 'virtio_set_status vdev 0x1 val 0\n'.repeat(1000));
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(readTrace(p, () => { if (++n === 10) ac.abort(new Error('user cancelled')); }, { chunkBytes: 64, signal: ac.signal }), /user cancelled/);
    assert.ok(n < 1000);
  });
});

test('fuzz: random bytes and truncated real lines never throw and keep the line count', () => {
  const rand = rng(7);
  const real = readFileSync('samples/qemu-7.2-vtd-net/trace.log', 'utf8').split('\n').slice(0, 400);
  real.push(...readFileSync('samples/aliased-unmap-svq-legacy.log', 'utf8').split('\n'));
  for (let round = 0; round < 200; round++) {
    const parts: Buffer[] = [];
    const n = 1 + Math.floor(rand() * 30);
    for (let i = 0; i < n; i++) {
      const pick = rand();
      if (pick < 0.4) {
        const line = real[Math.floor(rand() * real.length)];
        parts.push(Buffer.from(line.slice(0, Math.floor(rand() * (line.length + 1)))));
      } else if (pick < 0.8) {
        const b = Buffer.alloc(Math.floor(rand() * 200));
        for (let k = 0; k < b.length; k++) b[k] = Math.floor(rand() * 256);
        parts.push(b);
      } else {
        // a real line with one byte replaced
        const b = Buffer.from(real[Math.floor(rand() * real.length)]);
        if (b.length) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        parts.push(b);
      }
      parts.push(Buffer.from(rand() < 0.1 ? '\r\n' : '\n'));
    }
    if (rand() < 0.5) parts.pop();
    const bytes = Buffer.concat(parts);
    let records: TraceRecord[] = [];
    assert.doesNotThrow(() => {
      records = readTraceBytes(bytes);
    });
    // random bytes may start with the simpletrace magic only by astronomically bad luck
    assert.equal(records.length, expectedLines(bytes), `round ${round}`);
    records.forEach((r, i) => assert.equal(r.line, i + 1));
    for (const r of records) if (r.kind === 'malformed') assert.ok(r.column >= 1 && r.reason.length > 0);
  }
});

test('splitLines counts lines like wc -l plus an unterminated last line', () => {
  for (const s of ['', '\n', 'a', 'a\n', 'a\nb', '\n\n\n', 'a\r\n\r\nb\r\n']) {
    const b = Buffer.from(s);
    const seen: string[] = [];
    assert.equal(splitLines(b, (t) => seen.push(t)), expectedLines(b), JSON.stringify(s));
    assert.ok(seen.every((t) => !t.includes('\r') && !t.includes('\n')));
  }
});
