// The custom requests answered from an index: state at a line, resolve, filter; bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterLines, RequestError, resolveRequest, stateAt } from '../../src/server/requests.js';
import { sampleIndex, linesOf } from './fixtures.js';

const legacy = () => sampleIndex('aliased-unmap-svq-legacy.log');

test('stateAt: the ASID 0 IOTLB loses the low-RAM map at line 17', () => {
  const idx = legacy();
  const iotlb = (line: number) => stateAt(idx, line).tables.find((t) => t.kind === 'iotlb')!.mappings.map((m) => [m.start, m.last, m.createdLine]);
  assert.deepEqual(iotlb(16), [
    ['0x1000', '0x80000fff', 5],
    ['0x80001000', '0x2000000fff', 9],
    ['0x2000001000', '0x2000020fff', 13],
  ]);
  assert.deepEqual(iotlb(17), [
    ['0x80001000', '0x2000000fff', 9],
    ['0x2000001000', '0x2000020fff', 13],
  ]);
});

test('resolve: hex addresses in and out; the leaked alias map now reaches low RAM through its HVA', () => {
  // the section GPA [0xfeda0000, …] was deleted at line 15, its map (line 13) stayed: its HVA
  // 0x7f7903ea0010 is also low RAM (section of line 3 at HVA 0x7f7903e00000), GPA 0xa0010
  const r = resolveRequest(legacy(), { uri: '', space: 'iova', addr: '0x2000001010', line: 18, asid: 0 });
  assert.deepEqual(r.hops.map((h) => [h.space, h.addr, h.createdLine]), [
    ['iova', '0x2000001010', undefined],
    ['hva', '0x7f7903ea0010', 13],
    ['gpa', '0xa0010', 3],
  ]);
  assert.equal(r.error, undefined);
});

test('filter: by IOVA range, by family, by device, by ASID', () => {
  const idx = legacy();
  assert.deepEqual(filterLines(idx, { space: 'iova', start: '0x1000', last: '0x1fff' }).lines, [5, 17]);
  assert.deepEqual(filterLines(idx, { family: 'vhost_vdpa_listener_region' }).lines, [3, 7, 11, 15]);
  assert.deepEqual(filterLines(idx, { device: '0x55d2c1c0a650' }).lines, [1, 2]);
  assert.deepEqual(filterLines(idx, { asid: 0 }).lines, [5, 9, 13, 17]);
  assert.deepEqual(filterLines(idx, { asid: 0 }, 2), { lines: [5, 9], truncated: true });
});

test('filter: a bare address matches it in any space; hva matches a region_add whose section covers it', () => {
  const idx = legacy();
  const lines = linesOf(idx);
  // every line with an address field of any space covering 0x1000: by the fixture's printed values
  const expected: number[] = [];
  lines.forEach((l, i) => {
    const map = /iova: (0x[0-9a-f]+) size: (0x[0-9a-f]+)/.exec(l);
    const add = /region_(?:add|del) .* iova (0x[0-9a-f]+) llend (0x[0-9a-f]+)/.exec(l);
    const hit = (a: bigint, last: bigint): boolean => a <= 0x1000n && 0x1000n <= last;
    if ((map && hit(BigInt(map[1]!), BigInt(map[1]!) + BigInt(map[2]!) - 1n)) || (add && hit(BigInt(add[1]!), BigInt(add[2]!) - 1n))) expected.push(i + 1);
  });
  assert.ok(expected.length >= 2);
  assert.deepEqual(filterLines(idx, { start: '0x1000' }).lines, expected);
  // line 3: region_add of GPA [0x0, 0x80000000) at vaddr 0x7f7903e00000 covers HVA 0x7f7903e01000
  const region = /region_add .* iova (0x[0-9a-f]+) llend (0x[0-9a-f]+) vaddr: (0x[0-9a-f]+)/.exec(lines[2]!)!;
  const inside = BigInt(region[3]!) + 0x1000n;
  assert.ok(inside < BigInt(region[3]!) + BigInt(region[2]!) - BigInt(region[1]!));
  assert.ok(filterLines(idx, { space: 'hva', start: '0x' + inside.toString(16) }).lines.includes(3));
});

test('bad requests say what is wrong', () => {
  const idx = legacy();
  assert.throws(() => stateAt(idx, 19), (e: Error) => e instanceof RequestError && /line 19 is outside .* \(lines 1\.\.18\)/.test(e.message));
  assert.throws(() => resolveRequest(idx, { uri: '', space: 'iova', addr: 'zz', line: 3 }), /iova address "zz" is not a 64-bit address/);
  assert.throws(() => resolveRequest(idx, { uri: '', space: 'phys' as 'gpa', addr: '0x0', line: 3 }), /unknown address space "phys"/);
  assert.throws(() => filterLines(idx, { space: 'phys' as 'gpa', start: '0x0' }), /space must be gpa, hva, iova or giova/);
  assert.throws(() => filterLines(idx, { space: 'gpa', start: '0x10', last: '0x1' }), /ends before it starts/);
});
