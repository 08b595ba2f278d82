// The timeline keeps its records compact (addresses in columns, texts built when read). What a
// user reads must not change: every record's owner and removal reason are checked here against
// texts derived straight from the trace lines that made and removed it, and the per-line lookups
// against a plain map built from the records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hex } from '../../../src/model/u64.js';
import { Timeline, OWNER_OF_SOURCE, rangeLabel, type MapRecord } from '../../../src/trace/replay/timeline.js';
import { InvalidationLog } from '../../../src/trace/replay/invalidationLog.js';
import { AddressColumns } from '../../../src/trace/replay/addressColumns.js';
import { analyze, fixture, sample } from './fixtures.js';

const traces = [
  ...readdirSync(resolve('test/fixtures/traces')).filter((f) => f.endsWith('.log')).map(fixture),
  sample('aliased-unmap-svq-legacy.log'),
  sample('aliased-unmap-svq-fixed.log'),
  sample('qemu-7.2-vtd-net/trace.log'),
];

/** The removal reason a line states, when its event names one (undefined: not checked here). */
function reasonOf(line: string): string | undefined {
  let m = /vtd_inv_desc_iotlb_pages .*domain 0x([0-9a-f]+) addr 0x([0-9a-f]+) mask (?:0x)?([0-9a-f]+)/.exec(line);
  if (m) {
    const addr = BigInt('0x' + m[2]);
    const last = addr + (0x1000n << BigInt(parseInt(m[3], 16))) - 1n;
    return `page-selective invalidation of domain 0x${m[1]} [${hex(addr)}, ${hex(last)}]`;
  }
  m = /vtd_inv_desc_iotlb_domain .*domain 0x([0-9a-f]+)/.exec(line);
  if (m) return `domain-selective invalidation of domain 0x${m[1]}`;
  if (/vtd_inv_desc_iotlb_global/.test(line)) return 'global IOTLB invalidation';
  if (/vhost_vdpa_dma_unmap /.test(line)) return 'dma_unmap';
  if (/virtio_iommu_unmap /.test(line)) return 'virtio-iommu UNMAP';
  return undefined;
}

/** The owner a creating line gives its record, when the text is fixed by that line. */
function ownerOf(line: string, r: MapRecord, tl: Timeline): string | undefined {
  const m = /vhost_vdpa_listener_region_add .*iova 0x([0-9a-f]+) llend 0x([0-9a-f]+)/.exec(line);
  if (m && tl.tables[r.table].kind === 'section') return `GPA [0x${m[1]}, ${hex(BigInt('0x' + m[2]) - 1n)}]`;
  const v = /virtio_iommu_map domain=(\d+)/.exec(line);
  if (v) return `virtio-iommu domain ${v[1]} mapping`;
  return undefined;
}

test('every record of every fixture reads the owner and removal reason its trace lines state', async () => {
  let checkedOwners = 0;
  let checkedReasons = 0;
  for (const path of traces) {
    const lines = readFileSync(path, 'utf8').split('\n');
    const tl = (await analyze(path)).timeline;
    for (const r of tl.records) {
      const where = `${path} record ${r.id} (line ${r.createdLine})`;
      const owner = ownerOf(lines[r.createdLine - 1], r, tl);
      if (owner !== undefined) {
        assert.equal(r.owner, owner, where);
        checkedOwners++;
      }
      if (r.source !== undefined && tl.tables[r.table].kind === 'iotlb') {
        // a listener map is named as the section it maps
        assert.equal(r.owner, tl.records[r.source].owner, where);
        assert.match(r.owner ?? '', /^GPA \[0x[0-9a-f]+, 0x[0-9a-f]+\]$/, where);
        checkedOwners++;
      }
      if (r.removedLine === undefined) {
        assert.equal(r.removedBy, undefined, where);
        continue;
      }
      assert.ok(r.removedBy && r.removedBy.length > 0, `${where}: removed at line ${r.removedLine} without a reason`);
      const reason = reasonOf(lines[r.removedLine - 1]);
      if (reason !== undefined && tl.tables[r.table].kind !== 'section') {
        assert.equal(r.removedBy, reason, `${where}, removed at line ${r.removedLine}`);
        checkedReasons++;
      }
    }
  }
  // the fixtures do exercise both lazily built texts
  assert.ok(checkedOwners >= 20, `only ${checkedOwners} owners checked`);
  assert.ok(checkedReasons >= 20, `only ${checkedReasons} reasons checked`);
});

test('createdAt / removedAt answer per line exactly as a map built from the records does', async () => {
  for (const path of traces) {
    const tl = (await analyze(path)).timeline;
    const created = new Map<number, number[]>();
    const removed = new Map<number, number[]>();
    for (const r of tl.records) {
      created.set(r.createdLine, [...(created.get(r.createdLine) ?? []), r.id]);
      if (r.removedLine !== undefined) removed.set(r.removedLine, [...(removed.get(r.removedLine) ?? []), r.id]);
    }
    const n = readFileSync(path, 'utf8').split('\n').length + 1;
    for (let line = 0; line <= n; line++) {
      assert.deepEqual(tl.createdAt.get(line)?.map((r) => r.id), created.get(line), `${path} created at ${line}`);
      assert.deepEqual(tl.removedAt.get(line)?.map((r) => r.id), removed.get(line), `${path} removed at ${line}`);
      assert.equal(tl.removedAt.has(line), removed.has(line));
      assert.equal(tl.createdAt.has(line), created.has(line));
    }
  }
});

test('line lookups stay right when a caller feeds lines out of order', () => {
  const tl = new Timeline();
  const t = tl.table('t', () => ({ kind: 'section', label: 't', keySpace: 'gpa', targetSpace: 'hva', owner: 'x' }));
  const a = tl.add({ table: t.id, start: 0x1000n, last: 0x1fffn, target: 0n, perm: 3, createdLine: 9 });
  const b = tl.add({ table: t.id, start: 0x3000n, last: 0x3fffn, target: 0n, perm: 3, createdLine: 4 });
  tl.remove(b, 12, 'first');
  tl.remove(a, 10, 'second');
  assert.deepEqual(tl.createdAt.get(4)?.map((r) => r.id), [b.id]);
  assert.deepEqual(tl.createdAt.get(9)?.map((r) => r.id), [a.id]);
  assert.deepEqual(tl.removedAt.get(10)?.map((r) => r.removedBy), ['second']);
  assert.deepEqual(tl.removedAt.get(12)?.map((r) => r.removedBy), ['first']);
});

test('a record keeps 64-bit addresses exactly, and wider ones too (never wrapped by the columns)', () => {
  const tl = new Timeline();
  const t = tl.table('t', () => ({ kind: 'iotlb', label: 't', keySpace: 'iova', targetSpace: 'hva', owner: 'x' }));
  const top = tl.add({ table: t.id, start: 0xfffffffffffff000n, last: 0xffffffffffffffffn, target: 0x7f0000000000n, perm: 1, createdLine: 1, owner: rangeLabel('IOVA') });
  // a target the replay's arithmetic carried past u64 (e.g. region target + offset)
  const past = tl.add({ table: t.id, start: 0x1000n, last: 0x1fffn, target: 0x10000000000000000n, perm: 2, createdLine: 2 });
  const many: MapRecord[] = [];
  for (let i = 0; i < 5000; i++) many.push(tl.add({ table: t.id, start: 0x100000n + BigInt(i) * 0x1000n, last: 0x100fffn + BigInt(i) * 0x1000n, target: BigInt(i), perm: 3, createdLine: 3 + i }));
  assert.deepEqual([top.start, top.last, top.target, top.perm, top.table], [0xfffffffffffff000n, 0xffffffffffffffffn, 0x7f0000000000n, 1, t.id]);
  assert.equal(top.owner, 'IOVA [0xfffffffffffff000, 0xffffffffffffffff]');
  assert.deepEqual([past.target, past.perm], [0x10000000000000000n, 2]);
  assert.deepEqual([many[4999].start, many[4999].target, many[0].target], [0x100000n + 4999n * 0x1000n, 4999n, 0n], 'values survive the columns growing');
  assert.deepEqual(tl.overlapping(t.id, 0x1000n, 0x1000n), [past]);
});

test('owners: a fixed text, a label of the record range, or the owner of its source record', () => {
  const tl = new Timeline();
  const s = tl.table('s', () => ({ kind: 'section', label: 's', keySpace: 'gpa', targetSpace: 'hva', owner: 'x' }));
  const m = tl.table('m', () => ({ kind: 'iotlb', label: 'm', keySpace: 'iova', targetSpace: 'hva', owner: 'x' }));
  const section = tl.add({ table: s.id, start: 0x100000000n, last: 0x17fffffffn, target: 0x7f00n, perm: 3, createdLine: 1, owner: rangeLabel('GPA') });
  const map = tl.add({ table: m.id, start: 0x80001000n, last: 0x100000fffn, target: 0x7f00n, perm: 3, createdLine: 2, owner: OWNER_OF_SOURCE, source: section.id });
  const orphan = tl.add({ table: m.id, start: 0n, last: 0xfffn, target: 0n, perm: 3, createdLine: 3, owner: OWNER_OF_SOURCE });
  const fixed = tl.add({ table: m.id, start: 0x2000n, last: 0x2fffn, target: 0n, perm: 3, createdLine: 4, owner: 'SVQ ring' });
  const none = tl.add({ table: m.id, start: 0x3000n, last: 0x3fffn, target: 0n, perm: 3, createdLine: 5 });
  assert.equal(section.owner, 'GPA [0x100000000, 0x17fffffff]');
  assert.equal(map.owner, 'GPA [0x100000000, 0x17fffffff]');
  assert.equal(map.source, section.id);
  assert.equal(orphan.owner, undefined);
  assert.equal(fixed.owner, 'SVQ ring');
  assert.equal(none.owner, undefined);
});

test('removal reasons: literal texts and codes of registered sources, and foreign records are refused', () => {
  const tl = new Timeline();
  const t = tl.table('t', () => ({ kind: 'viommu', label: 't', keySpace: 'giova', targetSpace: 'gpa', owner: 'x' }));
  const log = new InvalidationLog();
  const code = tl.reasonCoder(log);
  const other = tl.reasonCoder({ reason: (i) => `other ${i}` });
  const a = tl.add({ table: t.id, start: 0x1000n, last: 0x1fffn, target: 0n, perm: 3, createdLine: 1 });
  const b = tl.add({ table: t.id, start: 0x2000n, last: 0x2fffn, target: 0n, perm: 3, createdLine: 1 });
  const c = tl.add({ table: t.id, start: 0x3000n, last: 0x3fffn, target: 0n, perm: 3, createdLine: 1 });
  log.push({ line: 2, kind: 'global' });
  tl.remove(a, 3, code(log.push({ line: 3, kind: 'psi', domain: 0x4, start: 0x1000n, last: 0x1fffn })));
  tl.remove(b, 4, other(7));
  tl.remove(c, 5, 'dma_unmap');
  tl.remove(c, 6, 'again'); // a record is removed once
  assert.equal(a.removedBy, 'page-selective invalidation of domain 0x4 [0x1000, 0x1fff]');
  assert.equal(b.removedBy, 'other 7');
  assert.deepEqual([c.removedLine, c.removedBy], [5, 'dma_unmap']);
  const stranger = new Timeline();
  stranger.table('t', () => ({ kind: 'viommu', label: 't', keySpace: 'giova', targetSpace: 'gpa', owner: 'x' }));
  const d = stranger.add({ table: 0, start: 0x1000n, last: 0x1fffn, target: 0n, perm: 3, createdLine: 1 });
  const e = stranger.add({ table: 0, start: 0x5000n, last: 0x5fffn, target: 0n, perm: 3, createdLine: 1 });
  assert.throws(() => tl.remove(e, 2, 'x'), /record 1 does not belong to this timeline/);
  assert.throws(() => tl.remove(d, 2, 'x'), /record 0 does not belong to this timeline/);
  assert.throws(() => tl.add({ table: 9, start: 0n, last: 0n, target: 0n, perm: 3, createdLine: 1 }), /no table 9/);
});

test('the invalidation log gives back what was pushed, through its growth, and refuses values past u64', () => {
  const log = new InvalidationLog();
  const pushed = [
    { line: 1, kind: 'global' as const },
    { line: 2, kind: 'dsi' as const, domain: 0xffff },
    { line: 3, kind: 'psi' as const, domain: 0, start: 0xfffffffffffff000n, last: 0xffffffffffffffffn },
    { line: 4, kind: 'as-switch' as const },
  ];
  for (let i = 0; i < 300; i++) for (const p of pushed) log.push({ ...p, line: p.line + 10 * i });
  assert.equal(log.length, 1200);
  assert.deepEqual(log.at(1198), { line: 2993, kind: 'psi', domain: 0, start: 0xfffffffffffff000n, last: 0xffffffffffffffffn });
  assert.deepEqual(log.at(1), { line: 2, kind: 'dsi', domain: 0xffff });
  assert.deepEqual(log.at(0), { line: 1, kind: 'global' });
  assert.deepEqual([...log].slice(0, 4), pushed);
  assert.equal(log.reason(2), 'page-selective invalidation of domain 0x0 [0xfffffffffffff000, 0xffffffffffffffff]');
  assert.equal(log.reason(1), 'domain-selective invalidation of domain 0xffff');
  assert.throws(() => log.push({ line: 77, kind: 'psi', domain: 1, start: 0n, last: 0x10000000000000000n }), /line 77: address 18446744073709551616 is not within 64 bits/);
  assert.throws(() => log.at(1200), /no invalidation 1200 \(the log holds 1200\)/);
});

test('address columns refuse ids out of order (a record would read another one\'s addresses)', () => {
  const cols = new AddressColumns();
  cols.push(0, 1n, 2n, 3n);
  assert.throws(() => cols.push(2, 1n, 2n, 3n), /record 2 pushed after 0/);
  assert.deepEqual([cols.start(0), cols.last(0), cols.target(0)], [1n, 2n, 3n]);
});
