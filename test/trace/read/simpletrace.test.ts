import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrace, readTraceBytes, readTraceFile, detectTraceFormat } from '../../../src/trace/read/traceReader.js';
import { SimpletraceError } from '../../../src/trace/read/simpletrace.js';
import type { TraceRecord } from '../../../src/trace/types.js';

// A small writer of the version-4 layout (qemu-interfaces.md §7.3), independent of the decoder.
type Arg = bigint | string;
class Writer {
  private parts: Buffer[] = [];
  constructor(private readonly le = true) {
    this.u64(0xffffffffffffffffn).u64(0xf2b177cb0aa429b4n).u64(4n);
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigUInt64LE(BigInt.asUintN(64, v));
    else b.writeBigUInt64BE(BigInt.asUintN(64, v));
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  mapping(id: number, name: string): this {
    const n = Buffer.from(name);
    this.u64(0n).u64(BigInt(id)).u32(n.length);
    this.parts.push(n);
    return this;
  }
  event(id: bigint, ns: bigint, pid: number, args: Arg[]): this {
    const argBytes = args.reduce((s, a) => s + (typeof a === 'string' ? 4 + Buffer.byteLength(a) : 8), 0);
    this.u64(1n).u64(id).u64(ns).u32(24 + argBytes).u32(pid);
    for (const a of args) {
      if (typeof a === 'string') {
        this.u32(Buffer.byteLength(a));
        this.parts.push(Buffer.from(a));
      } else this.u64(a);
    }
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const sample = (le = true) =>
  new Writer(le)
    .mapping(0, 'vhost_vdpa_dma_map')
    .mapping(1, 'vhost_vdpa_listener_region_add_unaligned')
    .mapping(2, 'virtio_queue_notify')
    .mapping(3, 'some_event_we_do_not_know')
    // 9.0 layout: vdpa, fd, msg_type, asid, iova, size, uaddr, perm, type
    .event(0n, 5_000_001_000n, 4242, [0x55d2c1a4e2b0n, 16n, 2n, 1n, 0x1000n, 0x20000n, 0x7f7903ea0000n, 3n, 2n])
    // 7.2 layout has no asid: one argument fewer
    .event(0n, 5_000_002_000n, 4242, [0x55d2c1a4e2b0n, 16n, 2n, 0x1000n, 0x20000n, 0x7f7903ea0000n, 1n, 2n])
    .event(1n, 5_000_003_000n, 4242, [0x1n, 'pc.ram below 4g', 100n, 4096n])
    .event(2n, 5_000_004_000n, 4242, [0x5624944821d0n, BigInt.asUintN(64, -1n), 0x7ff8a0c2e140n])
    .event(3n, 5_000_005_000n, 4242, [7n])
    .event(0xfffffffffffffffen, 5_000_006_000n, 4242, [12n]);

function checkSample(r: TraceRecord[]) {
  assert.deepEqual(r.map((x) => x.kind), ['event', 'event', 'event', 'event', 'event', 'event']);
  const [map90, map72, unaligned, notify, unknown, dropped] = r;
  assert.ok(map90.kind === 'event' && map72.kind === 'event' && unaligned.kind === 'event' && notify.kind === 'event' && unknown.kind === 'event' && dropped.kind === 'event');
  assert.deepEqual(map90.fields, { vdpa: 0x55d2c1a4e2b0n, fd: 16, msg_type: 2, asid: 1, iova: 0x1000n, size: 0x20000n, uaddr: 0x7f7903ea0000n, perm: 3, type: 2 });
  // the record length picks the definition whose argument layout fits
  assert.match(map72.def!.source, /qemu--7\.2/);
  assert.equal(map72.fields!.perm, 1);
  assert.equal('asid' in map72.fields!, false);
  assert.equal(map90.body, 'vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 1 iova: 0x1000 size: 0x20000 uaddr: 0x7f7903ea0000 perm: 0x3 type: 2');
  assert.equal(map90.prefix?.pid, 4242);
  assert.equal(map90.prefix?.text, '4242@5.000001:');
  assert.deepEqual(map90.line, 1);
  assert.equal(unaligned.fields!.name, 'pc.ram below 4g');
  assert.equal(unaligned.fields!.offset_page, 4096n);
  // a signed int argument is two's complement in the file
  assert.equal(notify.fields!.n, -1);
  assert.equal(unknown.name, 'some_event_we_do_not_know');
  assert.equal(unknown.fields, undefined);
  assert.equal(dropped.name, 'dropped_events');
  assert.deepEqual(dropped.fields, { count: 12n });
  assert.deepEqual(r.map((x) => x.line), [1, 2, 3, 4, 5, 6]);
}

test('simpletrace v4 round trip: names from mapping records, typed args, both byte orders', () => {
  const le = sample(true).bytes();
  assert.equal(detectTraceFormat(le), 'simpletrace');
  const r = readTraceBytes(le);
  checkSample(r);
  // the offset of a record is where its type word starts
  assert.equal(le.readBigUInt64LE(r[0].offset), 1n);
  assert.equal(le.readBigUInt64LE(r[0].offset + 8), 0n);
  checkSample(readTraceBytes(sample(false).bytes()));
});

test('simpletrace streams through the file reader in small chunks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-st-'));
  try {
    const p = join(dir, 'trace-4242');
    writeFileSync(p, sample().bytes());
    for (const chunkBytes of [1, 13, 4096]) {
      const got: TraceRecord[] = [];
      const s = await readTrace(p, (x) => got.push(x), { chunkBytes });
      assert.equal(s.format, 'simpletrace');
      checkSample(got);
    }
    // truncated file: the records before the cut are delivered, then a clear error with the offset
    const full = sample().bytes();
    const cut = full.subarray(0, full.length - 5);
    writeFileSync(p, cut);
    const seen: TraceRecord[] = [];
    await assert.rejects(
      (async () => {
        for await (const x of readTraceFile(p, { chunkBytes: 50 })) seen.push(x);
      })(),
      (e: unknown) => e instanceof SimpletraceError && /truncated record/.test(e.message) && e.offset === full.length - 40,
    );
    assert.equal(seen.length, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corrupt simpletrace input: bad version, unknown record type, absurd lengths', () => {
  const base = sample().bytes();
  const badVersion = Buffer.from(base);
  badVersion.writeBigUInt64LE(3n, 16);
  assert.throws(() => readTraceBytes(badVersion), (e: unknown) => e instanceof SimpletraceError && e.offset === 16 && /version 3/.test(e.message));

  // type word of the first event record (after 24-byte header + 4 mapping records)
  const mappingBytes = [18, 40, 19, 25].reduce((s, n) => s + 20 + n, 0);
  const firstEvent = 24 + mappingBytes;
  assert.equal(base.readBigUInt64LE(firstEvent), 1n);
  const badType = Buffer.from(base);
  badType.writeBigUInt64LE(9n, firstEvent);
  assert.throws(() => readTraceBytes(badType), (e: unknown) => e instanceof SimpletraceError && e.offset === firstEvent && /unknown record type 9/.test(e.message));

  const badLen = Buffer.from(base);
  badLen.writeUInt32LE(0xfffffff0, firstEvent + 24);
  assert.throws(() => readTraceBytes(badLen), /implausible length/);

  // an event whose arguments fit no definition is malformed, and decoding continues
  const odd = new Writer().mapping(0, 'virtio_set_status').event(0n, 1n, 1, [1n]).event(0n, 2n, 1, [1n, 4n]).bytes();
  const r = readTraceBytes(odd);
  assert.deepEqual(r.map((x) => x.kind), ['malformed', 'event']);
  assert.ok(r[0].kind === 'malformed' && /8 argument bytes fit none/.test(r[0].reason));
  // an id without a mapping record
  const unmapped = readTraceBytes(new Writer().event(5n, 1n, 1, []).bytes());
  assert.ok(unmapped[0].kind === 'malformed' && /no mapping record/.test(unmapped[0].reason));
  // header only: no records, no error
  assert.deepEqual(readTraceBytes(new Writer().bytes()), []);
  assert.throws(() => readTraceBytes(new Writer().bytes().subarray(0, 20)), /header/);
});
