// buildLiveView from a snapshot taken against QEMU 7.2's recorded answers and VT-d walk: the
// Guest memory section must say what QEMU's own `info mtree -f` says, the vIOMMU pages and ring
// translations what the recorded walk found, the trace section what the trace lines say.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildLiveView, friendlyReason } from '../../src/debug/liveView.js';
import { loadAttachedTrace, type AttachedTrace } from '../../src/debug/attachedTrace.js';
import { MAX_VIEW_MAPPINGS, traceSection } from '../../src/debug/traceView.js';
import { parseDebugEvent, VIEW_EVENT } from '../../src/shared/protocol/debugEvents.js';
import type { TranslationView, ViewNode } from '../../src/shared/translationView.js';
import { closeAllPeers } from '../qemu/fakePeers.js';
import { systemFlatView } from './flatViewText.js';
import { MTREE_F, PC_RAM_HVA, WALK, sampleSnapshot } from './sampleSnapshot.js';

after(closeAllPeers);

const OPTS = { sessionId: 's1', name: 'QEMU 7.2 sample', stoppedAt: 'pause' };
const TRACE = 'samples/qemu-7.2-vtd-net/trace.log';

const section = (v: TranslationView, id: string): ViewNode => {
  const s = v.sections.find((x) => x.id === id);
  assert.ok(s, `section ${id} among ${v.sections.map((x) => x.id).join(', ')}`);
  return s;
};

function allNodes(nodes: ViewNode[]): ViewNode[] {
  return nodes.flatMap((n) => [n, ...allNodes(n.children ?? [])]);
}

test('Guest memory: one node per range of QEMU\'s system FlatView, in order, RAM with its HVA and a gpa memory reference', async () => {
  const view = buildLiveView(await sampleSnapshot(false), OPTS);
  const mem = section(view, 'mem').children!;
  const qemu = systemFlatView(String(MTREE_F.return));
  assert.equal(qemu.length, 31);
  assert.deepEqual(
    mem.map((n) => ({ start: n.start, last: n.last, name: n.label, space: n.space, ref: n.memoryRef })),
    qemu.map((r) => ({ start: r.start, last: r.last, name: r.name, space: 'gpa', ref: `gpa:${r.start}` })),
  );
  // each row: its range, its size, its HVA when it is RAM, then its kind
  for (const [i, n] of mem.entries()) {
    const parts = n.detail!.split(' · ');
    assert.equal(parts[0], `[${qemu[i]!.start}, ${qemu[i]!.last}]`, `${n.label}: ${n.detail}`);
    assert.ok(parts.at(-1)!.startsWith(qemu[i]!.kind === 'i/o' ? 'io' : qemu[i]!.kind), `${n.label}: ${n.detail} vs ${qemu[i]!.kind}`);
    if (n.target) assert.ok(parts.includes(`→ HVA ${n.target.start}`), `${n.label}: ${n.detail} names no HVA`);
  }
  assert.equal(mem.find((n) => n.start === '0x0')!.detail!.split(' · ')[1], '640 KiB');
  const high = mem.find((n) => n.start === '0x100000')!;
  // pc.ram's host address at 0x100000 is its block's base plus the offset.
  assert.deepEqual(high.target, { space: 'hva', start: '0x' + (PC_RAM_HVA + 0x100000n).toString(16) });
  assert.equal(mem.find((n) => n.label === 'intel_iommu')!.target, undefined);
  const gpaStrip = view.strips.find((s) => s.space === 'gpa')!;
  assert.equal(gpaStrip.segments.length, qemu.length);
  assert.equal(gpaStrip.start, '0x0');
  assert.equal(gpaStrip.last, '0xffffffff');
});

test('vIOMMU: one page per walked ring page, in the domain and with the GPA page the recorded walk found', async () => {
  const view = buildLiveView(await sampleSnapshot(true), OPTS);
  const viommu = section(view, 'viommu');
  assert.match(viommu.detail!, /VT-d at 0xfed90000: translation enabled, root table 0x/);
  const [dev] = viommu.children!;
  assert.equal(dev!.label, '00:02.0');
  const pages = allNodes(dev!.children!).filter((n) => n.space === 'giova');
  // Nine ring addresses; the avail and used rings of queue 0 share a page.
  const expected = new Map<string, { gpa: string; domain: string }>();
  for (const t of WALK.translations) {
    const page = '0x' + (BigInt(t.iova) & ~0xfffn).toString(16);
    expected.set(page, { gpa: '0x' + (BigInt(t.gpa) & ~0xfffn).toString(16), domain: /domain (\d+)/.exec(t.how)![1]! });
  }
  assert.equal(pages.length, expected.size);
  for (const p of pages) {
    const e = expected.get(p.start!);
    assert.ok(e, `page ${p.start} was walked in the recording`);
    assert.deepEqual(p.target, { space: 'gpa', start: e.gpa });
    assert.equal(p.last, '0x' + (BigInt(p.start!) + 0xfffn).toString(16));
    assert.equal(p.perm, 3, 'the recorded walk says rw');
    assert.ok(p.id.startsWith(`viommu/00:02.0/${e.domain}/`), p.id);
    assert.equal(p.memoryRef, `giova:00:02.0:${p.start}`);
  }
  const giovaStrip = view.strips.find((s) => s.space === 'giova')!;
  assert.deepEqual(giovaStrip.segments.map((s) => s.nodeId).sort(), pages.map((p) => p.id).sort());
});

test('Virtqueues: each ring of each queue in its space, translated as the walk found, with a giova memory reference', async () => {
  const view = buildLiveView(await sampleSnapshot(true), OPTS);
  const [net] = section(view, 'vq').children!;
  assert.equal(net!.label, 'virtio-net');
  assert.equal(net!.children!.length, 3);
  const field = { 'vring-desc': 'desc', 'vring-avail': 'avail', 'vring-used': 'used' } as const;
  for (const t of WALK.translations) {
    const queue = net!.children!.find((q) => q.label === `queue ${t.queue}`)!;
    const ring = queue.children!.find((r) => r.label === field[t.field as keyof typeof field])!;
    assert.equal(ring.space, 'giova');
    assert.equal(BigInt(ring.start!), BigInt(t.iova));
    assert.deepEqual(ring.target, { space: 'gpa', start: '0x' + BigInt(t.gpa).toString(16) });
    assert.equal(ring.memoryRef, `giova:00:02.0:0x${BigInt(t.iova).toString(16)}`);
  }
  // Split ring of 256 entries: a 4 KiB descriptor table.
  const desc = net!.children![0]!.children!.find((r) => r.label === 'desc')!;
  assert.equal(BigInt(desc.last!) - BigInt(desc.start!) + 1n, 16n * 256n);
  const next = net!.children![0]!.children!.find((r) => r.label === 'next chain')!;
  assert.match(next.detail!, /0x1479[ef]000/, 'the chain says which ring page it could not read');
});

test('ids are unique within a view and the same across refreshes; the view crosses JSON and parseDebugEvent intact', async () => {
  const a = buildLiveView(await sampleSnapshot(true), OPTS);
  const b = buildLiveView(await sampleSnapshot(true), { ...OPTS, stoppedAt: 'step' });
  const ids = allNodes(a.sections).map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length, 'no duplicate ids');
  assert.deepEqual(allNodes(b.sections).map((n) => n.id), ids);
  const wire = JSON.parse(JSON.stringify({ view: a })) as unknown;
  const parsed = parseDebugEvent(VIEW_EVENT, wire);
  assert.deepEqual(parsed.body, { view: a });
  assert.deepEqual(a.source, { kind: 'debug', sessionId: 's1', name: 'QEMU 7.2 sample', stoppedAt: 'pause' });
});

test('while running (no gdbstub reads): memory is there, the vIOMMU section and notes say why walks are missing', async () => {
  const view = buildLiveView(await sampleSnapshot(false), { sessionId: 's1', name: 'n' });
  assert.equal(view.source.kind === 'debug' && view.source.stoppedAt, undefined);
  assert.match(section(view, 'viommu').detail!, /no gdbstub/);
  assert.ok(view.notes.some((n) => /vIOMMU: no gdbstub/.test(n)));
  assert.ok(view.notes.some((n) => /no trace attached/.test(n)));
  const ring = section(view, 'vq').children![0]!.children![0]!.children!.find((r) => r.label === 'desc')!;
  assert.equal(ring.target, undefined);
  assert.match(ring.detail!, /no gdbstub/);
});

test('with the sample trace attached: an IOVA trees section whose mappings are the translations QEMU traced, with their lines', async () => {
  const load = await loadAttachedTrace(TRACE, undefined);
  assert.ok(load.trace, load.messages.join('\n'));
  const view = buildLiveView(await sampleSnapshot(false), { ...OPTS, trace: load.trace });
  const tr = section(view, 'trace');
  const lines = readFileSync(TRACE, 'utf8').split('\n');
  assert.equal(tr.label, `IOTLB / IOVA trees (trace line ${lines.filter((l, i) => l !== '' || i < lines.length - 1).length})`);
  const [dev] = tr.children!;
  assert.equal(dev!.label, 'vIOMMU 00:02.0');
  const maps = allNodes(dev!.children!).filter((n) => n.createdLine !== undefined);
  assert.ok(maps.length >= 3);
  for (const m of maps) {
    const text = lines[m.createdLine! - 1]!;
    const t = /iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)/.exec(text);
    assert.ok(t, `line ${m.createdLine} is a translation: ${text}`);
    assert.equal(BigInt(m.start!), BigInt(t[1]!) & ~BigInt(t[3]!));
    assert.equal(BigInt(m.last!), BigInt(m.start!) + BigInt(t[3]!));
    assert.deepEqual(m.target, { space: 'gpa', start: '0x' + (BigInt(t[2]!) & ~BigInt(t[3]!)).toString(16) });
    assert.equal(m.space, 'giova');
  }
  const strip = view.strips.find((s) => s.id === 'strip/trace/giova');
  assert.equal(strip?.segments.length, maps.length);
});

test('a trace table with more mappings than a view carries: the first ones, in order, and the detail says how many exist', () => {
  const mappings = Array.from({ length: MAX_VIEW_MAPPINGS + 500 }, (_, i) => ({
    id: i,
    table: 0,
    start: BigInt(i) << 12n,
    last: (BigInt(i) << 12n) + 0xfffn,
    target: 0x7f00_0000_0000n + (BigInt(i) << 12n),
    perm: 3 as const,
    createdLine: i + 1,
  }));
  const trace: AttachedTrace = {
    path: '/t/big.log',
    fileName: 'big.log',
    line: mappings.length,
    devices: [{ label: 'vdpa 0xa', key: '0xa', tables: [{ id: 0, label: 'ASID 0', kind: 'iotlb', keySpace: 'iova', targetSpace: 'hva', asid: 0, mappings }] }],
  };
  const [table] = traceSection(trace).children![0]!.children!;
  assert.equal(table!.children!.length, MAX_VIEW_MAPPINGS);
  assert.equal(table!.children!.at(-1)!.start, '0x' + ((MAX_VIEW_MAPPINGS - 1) << 12).toString(16));
  assert.match(table!.detail!, new RegExp(`${MAX_VIEW_MAPPINGS + 500} mappings \\(first ${MAX_VIEW_MAPPINGS} shown\\)`));
});

test('an address the driver has not mapped yet reads as such; other walk failures keep their words', () => {
  const pte = 'PTE at level 1 for IOVA 0xffffe000 of 00:03.0 not present (entry 0x1234008 = 0x0)';
  assert.equal(friendlyReason(pte), 'not mapped by the driver yet (idle)');
  const ctx = 'context entry for 00:03.0 not present (entry 0x1000 = 0x0)';
  assert.equal(friendlyReason(ctx), ctx, 'a device outside any domain is not "idle"');
});
