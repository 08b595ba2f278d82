// The tree of a real trace at a line, checked against the trace text itself: every mapping node
// is the map event of its creating line, unmaps take nodes away, ids survive time travel, and
// resolve chains point at the nodes that translate each hop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateAt, resolveRequest } from '../../src/server/requests.js';
import type { ViewNode, TranslationView } from '../../src/shared/translationView.js';
import { sizeText, viewFromState, viewResolution } from '../../src/shared/viewFromTrace.js';
import { sampleIndex, linesOf } from '../server/fixtures.js';
import type { TraceIndex } from '../../src/server/traceIndex.js';

const legacy = (): TraceIndex => sampleIndex('aliased-unmap-svq-legacy.log');
const viewAt = (idx: TraceIndex, line: number): TranslationView => viewFromState(stateAt(idx, line), { uri: idx.uri, line, lines: idx.lineCount });

function all(nodes: ViewNode[]): ViewNode[] {
  return nodes.flatMap((n) => [n, ...all(n.children ?? [])]);
}
const section = (v: TranslationView, id: string): ViewNode => v.sections.find((s) => s.id === id)!;
const mappings = (n: ViewNode): ViewNode[] => all([n]).filter((x) => x.target !== undefined);
const field = (text: string, name: string): bigint => {
  const m = new RegExp(`${name}:? (0x[0-9a-f]+)`).exec(text);
  if (!m) throw new Error(`no ${name} in ${text}`);
  return BigInt(m[1]);
};

test('IOVA trees: each ASID 0 mapping is the dma_map of its line (size is a length, last is inclusive)', () => {
  const idx = legacy();
  const v = viewAt(idx, 16);
  const iova = section(v, 'iova');
  const dev = iova.children!;
  assert.equal(dev.length, 1);
  assert.equal(dev[0].children![0].label, 'ASID 0');
  const maps = mappings(iova);
  const dmaMapLines = linesOf(idx).map((l, i) => [l, i + 1] as const).filter(([l, n]) => l.includes('vhost_vdpa_dma_map') && n <= 16);
  assert.equal(maps.length, dmaMapLines.length);
  for (const [text, line] of dmaMapLines) {
    const node = maps.find((m) => m.createdLine === line);
    assert.ok(node, `a node for the dma_map of line ${line}`);
    const iovaStart = field(text, 'iova');
    assert.equal(BigInt(node.start!), iovaStart);
    assert.equal(BigInt(node.last!), iovaStart + field(text, 'size') - 1n);
    assert.deepEqual(node.target, { space: 'hva', start: '0x' + field(text, 'uaddr').toString(16) });
    assert.equal(node.perm, Number(field(text, 'perm')));
    assert.equal(node.space, 'iova');
    assert.match(node.detail!, new RegExp(`line ${line}`));
  }
});

test('time travel: the unmap of line 17 takes the IOVA 0x1000 node away; the others keep their ids', () => {
  const idx = legacy();
  const before = mappings(section(viewAt(idx, 16), 'iova'));
  const after = mappings(section(viewAt(idx, 17), 'iova'));
  const unmapIova = field(linesOf(idx)[16], 'iova');
  assert.ok(before.some((m) => BigInt(m.start!) === unmapIova));
  assert.ok(!after.some((m) => BigInt(m.start!) === unmapIova), 'the unmapped range is gone at line 17');
  assert.deepEqual(
    after.filter((m) => !m.id.includes('/table:iotlb-orphan:')).map((m) => m.id),
    before.filter((m) => BigInt(m.start!) !== unmapIova).map((m) => m.id),
  );
  // the kernel keeps the rest of the cut 2 GiB map: shown as an orphaned rest (§9 worked example 2)
  const orphan = after.find((m) => m.id.includes('/table:iotlb-orphan:'));
  assert.deepEqual([orphan?.start, orphan?.last, orphan?.createdLine], ['0x21000', '0x80000fff', 17]);
  assert.match(orphan?.owner ?? '', /orphaned rest of GPA \[0x0, 0x7fffffff\] IOVA \[0x1000, 0x80000fff\] \(line 5, cut at line 17\): possibly still mapped/);
  // ids of the whole tree are unique
  const ids = all(viewAt(idx, 17).sections).map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('guest memory: listener sections from region_add (exclusive llend), the SMRAM alias flagged while both live', () => {
  const idx = legacy();
  const v = viewAt(idx, 14);
  const maps = mappings(section(v, 'memory'));
  const adds = linesOf(idx).map((l, i) => [l, i + 1] as const).filter(([l, n]) => l.includes('region_add') && n <= 14);
  assert.equal(maps.length, adds.length);
  for (const [text, line] of adds) {
    const node = maps.find((m) => m.createdLine === line)!;
    assert.equal(BigInt(node.start!), field(text, 'iova'));
    assert.equal(BigInt(node.last!), field(text, 'llend') - 1n);
    assert.equal(node.target!.start, '0x' + field(text, 'vaddr').toString(16));
  }
  // GPA 0xfeda0000 shows HVA 0x7f7903ea0000, inside the HVA of GPA [0, 2 GiB): both say so
  const low = maps.find((m) => m.start === '0x0')!;
  const smram = maps.find((m) => m.start === '0xfeda0000')!;
  assert.match(low.detail!, /aliased by GPA \[0xfeda0000, 0xfedbffff\] \(line 11\)/);
  assert.match(smram.detail!, /aliased by GPA \[0x0, 0x7fffffff\] \(line 3\)/);
  // after region_del (line 15) the alias is gone
  const later = mappings(section(viewAt(idx, 15), 'memory'));
  assert.ok(later.every((m) => !/aliased/.test(m.detail ?? '')));
});

test('strips: one per table, one segment per mapping, spanning 0 to a power of two', () => {
  const v = viewAt(legacy(), 16);
  assert.equal(v.strips.length, 2);
  for (const s of v.strips) {
    const table = all(v.sections).find((n) => `strip:${n.id}` === s.id)!;
    assert.equal(s.segments.length, table.children!.length);
    assert.equal(s.start, '0x0');
    const last = BigInt(s.last);
    assert.equal(last & (last + 1n), 0n, `${s.last} is 2^k - 1`);
    for (const seg of s.segments) {
      const node = table.children!.find((c) => c.id === seg.nodeId)!;
      assert.equal(seg.start, node.start);
      assert.equal(seg.last, node.last);
      assert.ok(BigInt(seg.last) <= last);
    }
  }
});

test('sections: all five, empty ones say so, virtqueues explained in the notes', () => {
  const v = viewAt(legacy(), 16);
  assert.deepEqual(v.sections.map((s) => s.label), ['Guest memory', 'IOVA trees', 'vIOMMU', 'Device IOTLB', 'Virtqueues']);
  assert.equal(section(v, 'viommu').detail, 'none at line 16');
  assert.ok(v.notes.some((n) => /Virtqueues .* live debug session/.test(n)));
  assert.deepEqual(v.source, { kind: 'trace', uri: legacy().uri, line: 16, lines: 18 });
  const empty = viewAt(legacy(), 1);
  assert.ok(empty.notes.some((n) => /nothing is mapped at line 1/.test(n)));
  assert.ok(!v.notes.some((n) => /nothing is mapped/.test(n)));
});

test('real VT-d capture: vIOMMU pages of 00:02.0 are the vtd_dmar_translate lines that made them', () => {
  const idx = sampleIndex('qemu-7.2-vtd-net/trace.log');
  const v = viewAt(idx, idx.lineCount);
  const viommu = section(v, 'viommu');
  assert.equal(viommu.children![0].label, '00:02.0');
  const maps = mappings(viommu);
  assert.ok(maps.length > 0);
  for (const m of maps) {
    const text = linesOf(idx)[m.createdLine! - 1];
    const g = /vtd_dmar_translate dev 00:02\.00 iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)/.exec(text);
    assert.ok(g, `line ${m.createdLine} is a translation: ${text}`);
    assert.equal(BigInt(m.start!), BigInt(g[1]));
    assert.equal(BigInt(m.last!), BigInt(g[1]) + BigInt(g[3]));
    assert.equal(BigInt(m.target!.start), BigInt(g[2]));
    assert.equal(m.space, 'giova');
    assert.equal(m.target!.space, 'gpa');
  }
});

test('resolve: the leaked alias IOVA goes through the line-13 map and lands in low RAM of line 3', () => {
  const idx = legacy();
  const v = viewAt(idx, 18);
  const r = viewResolution('iova 0x2000001010', resolveRequest(idx, { uri: idx.uri, space: 'iova', addr: '0x2000001010', line: 18, asid: 0 }), v);
  assert.equal(r.query, 'iova 0x2000001010');
  const chain = r.chains[0];
  const nodes = new Map(all(v.sections).map((n) => [n.id, n]));
  // every hop is tied to a node, and the node's range or target holds the hop's address
  for (const h of chain) {
    const n = nodes.get(h.nodeId!);
    assert.ok(n, `hop ${h.space} ${h.addr} has a node`);
    const a = BigInt(h.addr);
    const inKey = n.space === h.space && BigInt(n.start!) <= a && a <= BigInt(n.last!);
    const inTarget = n.target!.space === h.space && a - BigInt(n.target!.start) <= BigInt(n.last!) - BigInt(n.start!) && a >= BigInt(n.target!.start);
    assert.ok(inKey || inTarget, `${h.space} ${h.addr} in ${n.label}`);
  }
  assert.equal(nodes.get(chain[1].nodeId!)!.createdLine, 13);
  assert.equal(nodes.get(chain[2].nodeId!)!.createdLine, 3);
  assert.equal(chain[2].addr, '0xa0010');
});

test('resolve: a miss keeps the note and has no nodes to highlight', () => {
  const idx = legacy();
  const v = viewAt(idx, 18);
  const r = viewResolution('gpa 0x10', resolveRequest(idx, { uri: idx.uri, space: 'gpa', addr: '0x10', line: 18 }), v);
  assert.match(r.note!, /removed by dma_unmap at line 17/);
  assert.ok(r.chains.flat().every((h) => h.space !== 'iova'));
  const noView = viewResolution('x', { line: 1, hops: [], alternatives: [], error: 'unknown address space' });
  assert.deepEqual(noView, { query: 'x', chains: [], error: 'unknown address space' });
});

test('sizeText: the largest unit reached; an inexact size gets two decimals and its exact hex', () => {
  assert.equal(sizeText(0x80000000n), '2 GiB');
  assert.equal(sizeText(0x20000n), '128 KiB');
  assert.equal(sizeText(1n << 64n), '16 EiB');
  // 2078336 KiB: a guest's RAM below the PCI hole, which was once shown in KiB
  assert.equal(sizeText(2078336n * 1024n), '1.98 GiB (0x7eda0000)');
  assert.equal(sizeText(0x1001n), '4 KiB (0x1001)');
  assert.equal(sizeText((1n << 20n) - 1n), '1023.99 KiB (0xfffff)');
  assert.equal(sizeText(0x1800n), '6 KiB');
  assert.equal(sizeText(100n), '100 bytes');
  assert.equal(sizeText(1n), '1 byte');
});
