// State "as of line N": engine.stateAt and engine.resolve on the legacy aliased-unmap sample
// (scenarios §1), whose numbers are known: low RAM GPA [0, 2 GiB) at IOVA 0x1000, high RAM at
// 0x80001000, the SMRAM alias GPA 0xfeda0000 at 0x2000001000; line 17 unmaps IOVA 0x1000.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, sample } from './fixtures.js';

const legacy = () => analyze(sample('aliased-unmap-svq-legacy.log'));

test('resolve: GPA 0xfedb0000 at line 14 goes through the alias section to IOVA 0x2000011000', async () => {
  const r = (await legacy()).resolve('gpa', 0xfedb0000n, 14, { asid: 0 });
  assert.equal(r.error, undefined);
  assert.deepEqual(r.hops.map((h) => [h.space, h.addr, h.createdLine]), [
    ['gpa', 0xfedb0000n, undefined],
    ['hva', 0x7f7903eb0000n, 11],
    ['iova', 0x2000011000n, 13],
  ]);
});

test('resolve: the same GPA before its section exists (line 10) has no HVA and no IOVA', async () => {
  const r = (await legacy()).resolve('gpa', 0xfedb0000n, 10);
  assert.ok(r.error);
  assert.match(r.error, /0xfedb0000/);
});

test('resolve: GPA 0x10000 is IOVA 0x11000 at line 16 and has no IOVA any more at line 18', async () => {
  const engine = await legacy();
  const before = engine.resolve('gpa', 0x10000n, 16, { asid: 0 });
  assert.deepEqual(before.hops.map((h) => [h.space, h.addr]), [['gpa', 0x10000n], ['hva', 0x7f7903e10000n], ['iova', 0x11000n]]);
  const after = engine.resolve('gpa', 0x10000n, 18, { asid: 0 });
  assert.deepEqual(after.hops.map((h) => h.space), ['gpa', 'hva'], 'the section is still there, its device map is not');
  assert.ok(!after.alternatives.some((c) => c.some((h) => h.space === 'iova')));
  // line 17 itself: the state after the unmap was applied
  assert.ok(!engine.resolve('gpa', 0x10000n, 17, { asid: 0 }).hops.some((h) => h.space === 'iova'));
});

test('resolve from IOVA: 0x2000011000 is HVA 0x7f7903eb0000, seen at two GPAs until the alias section goes (line 15)', async () => {
  const engine = await legacy();
  const gpasAt = (line: number) => {
    const r = engine.resolve('iova', 0x2000011000n, line, { asid: 0 });
    assert.deepEqual(r.hops.slice(0, 2).map((h) => [h.space, h.addr]), [['iova', 0x2000011000n], ['hva', 0x7f7903eb0000n]]);
    const gpas = [r.hops, ...r.alternatives].flatMap((c) => c.filter((h) => h.space === 'gpa').map((h) => h.addr));
    return [...new Set(gpas)].sort((a, b) => (a < b ? -1 : 1));
  };
  // that HVA is low RAM's 0xb0000 and, through the SMRAM open-high alias, 0xfedb0000
  assert.deepEqual(gpasAt(14), [0xb0000n, 0xfedb0000n]);
  assert.deepEqual(gpasAt(16), [0xb0000n]);
});

test('every mapping has the line that created it and the line that removed it', async () => {
  const engine = await legacy();
  const rows = engine.timeline.records.map((r) => {
    const t = engine.timeline.tables[r.table];
    return [t.kind, r.start, r.last, r.createdLine, r.removedLine ?? null];
  });
  assert.deepEqual(
    rows.sort((a, b) => Number(a[3]) - Number(b[3])),
    [
      ['section', 0x0n, 0x7fffffffn, 3, null],
      ['iotlb', 0x1000n, 0x80000fffn, 5, 17],
      ['section', 0x100000000n, 0x207fffffffn, 7, null],
      ['iotlb', 0x80001000n, 0x2000000fffn, 9, null],
      ['section', 0xfeda0000n, 0xfedbffffn, 11, 15],
      ['iotlb', 0x2000001000n, 0x2000020fffn, 13, null],
      // the wrong unmap cut the 2 GiB map: its rest stays in the kernel, orphaned (§9 example 2)
      ['iotlb-orphan', 0x21000n, 0x80000fffn, 17, null],
    ],
  );
});

test('stateAt: the device IOTLB line by line (empty, one map, three maps, two maps)', async () => {
  const engine = await legacy();
  const iotlbAt = (line: number) => engine.stateAt(line).find((t) => t.table.kind === 'iotlb')?.mappings.map((m) => m.start) ?? [];
  assert.deepEqual(iotlbAt(4), []);
  assert.deepEqual(iotlbAt(5), [0x1000n]);
  assert.deepEqual(iotlbAt(16), [0x1000n, 0x80001000n, 0x2000001000n]);
  assert.deepEqual(iotlbAt(17), [0x80001000n, 0x2000001000n]);
  const sectionsAt = (line: number) => engine.stateAt(line).find((t) => t.table.kind === 'section')!.mappings.map((m) => m.start);
  assert.deepEqual(sectionsAt(14), [0x0n, 0xfeda0000n, 0x100000000n]);
  assert.deepEqual(sectionsAt(15), [0x0n, 0x100000000n]);
});

test('stateAt on a large trace: checkpoints give the same answer as a fresh replay cut at that line', async () => {
  // 3000 map/unmap pairs push the timeline past its checkpoint threshold
  const { analyzeTraceText } = await import('../../../src/trace/analyze.js');
  const S = '0x5581a3c4e2b0';
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const iova = 0x100000n + BigInt(i % 500) * 0x1000n;
    lines.push(`vhost_vdpa_dma_map vdpa_shared:${S} fd: 16 msg_type: 2 asid: 0 iova: 0x${iova.toString(16)} size: 0x1000 uaddr: 0x7f0000${(i % 500).toString(16).padStart(3, '0')}000 perm: 0x3 type: 2`);
    if (i % 3 !== 0) lines.push(`vhost_vdpa_dma_unmap vdpa_shared:${S} fd: 16 msg_type: 2 asid: 0 iova: 0x${iova.toString(16)} size: 0x1000 type: 3`);
  }
  const whole = analyzeTraceText(lines.join('\n') + '\n');
  for (const cut of [1, 777, 2500, 4001, lines.length]) {
    const prefix = analyzeTraceText(lines.slice(0, cut).join('\n') + '\n');
    const a = whole.stateAt(cut).find((t) => t.table.kind === 'iotlb')!.mappings.map((m) => m.start);
    const b = prefix.stateAt(cut).find((t) => t.table.kind === 'iotlb')!.mappings.map((m) => m.start);
    assert.deepEqual(a, b, `line ${cut}`);
  }
});
