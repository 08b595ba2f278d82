// The Trace Viewer opens binary simpletrace files through their text form: one line per record,
// as QEMU's log backend prints it; a truncated file is an error saying where it stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { LargeTrace } from '../../src/large/largeTrace.js';
import { readTraceBytes } from '../../src/trace/read/traceReader.js';
import { tempDir } from './helpers.js';

/** The version-4 layout (qemu-interfaces.md §7.3): header, id→name mappings, event records. */
function simpletrace(events: { id: bigint; ns: bigint; args: bigint[] }[], names: string[]): Buffer {
  const parts: Buffer[] = [];
  const u64 = (v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    parts.push(b);
  };
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    parts.push(b);
  };
  u64(0xffffffffffffffffn);
  u64(0xf2b177cb0aa429b4n);
  u64(4n);
  names.forEach((n, id) => {
    u64(0n);
    u64(BigInt(id));
    u32(Buffer.byteLength(n));
    parts.push(Buffer.from(n));
  });
  for (const e of events) {
    u64(1n);
    u64(e.id);
    u64(e.ns);
    u32(24 + 8 * e.args.length);
    u32(4242);
    e.args.forEach(u64);
  }
  return Buffer.concat(parts);
}

const NAMES = ['vhost_vdpa_dma_map', 'vhost_vdpa_dma_unmap'];
// 9.0 layouts: map(vdpa, fd, msg_type, asid, iova, size, uaddr, perm, type), unmap(vdpa, fd, msg_type, asid, iova, size, type)
const EVENTS = [
  { id: 0n, ns: 5_000_001_000n, args: [0x55d2c1a4e2b0n, 16n, 2n, 0n, 0x1000n, 0x20000n, 0x7f7903ea0000n, 3n, 2n] },
  { id: 1n, ns: 5_000_002_000n, args: [0x55d2c1a4e2b0n, 16n, 2n, 0n, 0x1000n, 0x20000n, 3n] },
];

test('a simpletrace file opens in the viewer: one line per record, as the log backend prints it, with hover', async () => {
  const tmp = tempDir();
  const bytes = simpletrace(EVENTS, NAMES);
  const path = tmp.file('trace-4242', bytes);
  const large = await LargeTrace.open(path);
  try {
    const records = readTraceBytes(bytes).filter((r) => r.kind === 'event');
    assert.equal(records.length, 2);
    assert.equal(large.summary.lines, records.length);
    const lines = (await large.lines(1, 2)).map((l) => l.text);
    records.forEach((r, i) => {
      assert.ok(r.kind === 'event');
      assert.equal(lines[i], `${r.prefix?.text ?? ''}${r.name} ${r.body}`);
      assert.match(lines[i]!, new RegExp(`${r.name} vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x20000`));
    });
    // the unmap of line 2 removes the map of line 1, as in a text trace
    const col = lines[1]!.indexOf('0x1000');
    assert.deepEqual(await large.definition(2, col), [1]);
    const h = await large.hover(2, col);
    assert.match(h?.markdown ?? '', /This line removes the mapping/);
  } finally {
    const text = large.path;
    await large.close();
    assert.ok(!existsSync(dirname(text)), 'the text form outlived the viewer');
    tmp.remove();
  }
});

test('a truncated simpletrace file is an error naming the cut, not an empty or shorter view', async () => {
  const tmp = tempDir();
  const bytes = simpletrace(EVENTS, NAMES);
  const path = tmp.file('trace-cut', bytes.subarray(0, bytes.length - 5));
  try {
    await assert.rejects(LargeTrace.open(path), /truncated record.*after 1 complete record/);
  } finally {
    tmp.remove();
  }
});
