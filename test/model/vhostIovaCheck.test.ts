// QEMU's VhostIOVATree as read from its memory, checked against the model's: aliases (two IOVA→HVA
// nodes on the same host memory) and a node-by-node comparison that names every difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VhostIovaTree, type VhostIovaLayout } from '../../src/model/vhostIovaTree.js';
import { svqAllocSection } from '../../src/model/vdpaListener.js';
import { compareIovaTrees, crossCheckIovaTrees, describeAlias, dumpAsInternal, iovaTreeAliases } from '../../src/model/vhostIovaCheck.js';
import type { InternalIovaTree } from '../../src/model/qemuInternals.js';
import { IOVA_OK } from '../../src/model/dmaMap.js';
import { U64_MAX } from '../../src/model/u64.js';

const RAM = 0x7f0000000000n;
// q35 with SMRAM open: low RAM up to 0xa0000, the SMRAM window on RAM 0xa0000-0xbffff, and the
// smram-open-high alias at GPA 0xfeda0000 on the same host memory
const SECTIONS = [
  { gpa: 0x0n, len: 0xa0000n, hva: RAM },
  { gpa: 0xa0000n, len: 0x20000n, hva: RAM + 0xa0000n },
  { gpa: 0x100000n, len: 0x7f00000n, hva: RAM + 0x100000n },
  { gpa: 0xfeda0000n, len: 0x20000n, hva: RAM + 0xa0000n },
];

/** the IOVA each section got, by GPA */
const iovaOf = new Map<string, bigint>();

function tree(layout: VhostIovaLayout): VhostIovaTree {
  const t = new VhostIovaTree(0n, U64_MAX, { layout });
  for (const s of SECTIONS) {
    const node = svqAllocSection(t, s.gpa, s.hva, s.len, false);
    assert.ok(typeof node === 'object');
    iovaOf.set(`${layout} ${s.gpa}`, node.iova);
  }
  // an SVQ vring: host-only memory
  const ring = { iova: 0n, translatedAddr: 0n, size: 0xfffn, perm: 1 as const };
  assert.equal(t.mapAlloc(ring, 0x55aa00001000n), IOVA_OK);
  return t;
}

test('legacy tree (QEMU 7.2): the SMRAM window and its high alias share host memory and are reported as aliases', () => {
  const t = dumpAsInternal(tree('legacy').dump());
  assert.equal(t.layout, 'legacy');
  assert.equal(t.maps.length, 5);
  const aliases = iovaTreeAliases(t);
  assert.equal(aliases.length, 1);
  const [a] = aliases;
  assert.equal(a!.hva, RAM + 0xa0000n);
  assert.equal(a!.hvaLast, RAM + 0xbffffn);
  assert.deepEqual(
    a!.maps.map((m) => m.iova),
    [iovaOf.get('legacy 655360')!, iovaOf.get(`legacy ${0xfeda0000n}`)!],
  );
  assert.match(describeAlias(a!), /^HVA 0x7f00000a0000-0x7f00000bffff is translated by 2 nodes: IOVA 0x[0-9a-f]+-0x[0-9a-f]+, IOVA 0x[0-9a-f]+-0x[0-9a-f]+/);
});

test('partial overlaps are aliases too, each pair with the host range they share', () => {
  const t: InternalIovaTree = {
    layout: 'legacy',
    maps: [
      { iova: 0x1000n, last: 0x4fffn, taddr: 0x10000n, perm: 3 },
      { iova: 0x5000n, last: 0x5fffn, taddr: 0x12000n, perm: 3 },
      { iova: 0x6000n, last: 0x6fffn, taddr: 0x20000n, perm: 3 },
    ],
  };
  assert.deepEqual(
    iovaTreeAliases(t).map((a) => [a.hva, a.hvaLast, a.maps.map((m) => m.iova)]),
    [[0x12000n, 0x12fffn, [0x1000n, 0x5000n]]],
  );
});

test('current tree (QEMU 10.0): guest memory lives in the GPA tree, so the same sections alias nothing', () => {
  const t = dumpAsInternal(tree('current').dump());
  assert.equal(t.maps.filter((m) => m.gpa !== undefined).length, 4);
  assert.deepEqual(
    t.maps.filter((m) => m.gpa !== undefined).map((m) => m.gpa),
    [0x0n, 0xa0000n, 0x100000n, 0xfeda0000n],
  );
  assert.deepEqual(iovaTreeAliases(t), []);
});

test('the same tree compares equal; every field that differs is named, and nodes only on one side are listed', () => {
  for (const layout of ['legacy', 'current'] as const) {
    const model = dumpAsInternal(tree(layout).dump());
    assert.deepEqual(compareIovaTrees(structuredClone(model), model), [], layout);
  }
  const model = dumpAsInternal(tree('current').dump());
  const qemu = structuredClone(model);
  const gpaNode = qemu.maps.find((m) => m.gpa === 0x100000n)!;
  gpaNode.last += 0x1000n;
  gpaNode.perm = 3;
  const ring = qemu.maps.find((m) => m.gpa === undefined)!;
  ring.taddr += 0x1000n;
  qemu.maps = qemu.maps.filter((m) => m.gpa !== 0xfeda0000n);
  qemu.maps.push({ iova: 0x9000000000n, last: 0x9000000fffn, taddr: 0x55aa00009000n, perm: 2 });
  const diffs = compareIovaTrees(qemu, model);
  assert.deepEqual(diffs.sort(), [
    `GPA→IOVA tree node at IOVA 0x${gpaNode.iova.toString(16)}: QEMU vs model: last 0x${gpaNode.last.toString(16)} vs 0x${(gpaNode.last - 0x1000n).toString(16)}, perm read-write vs read`,
    `IOVA→HVA tree node at IOVA 0x${ring.iova.toString(16)}: QEMU vs model: translated_addr 0x55aa00002000 vs 0x55aa00001000`,
    `only in QEMU's IOVA→HVA tree: IOVA 0x9000000000-0x9000000fff → HVA 0x55aa00009000 write`,
    `only in the model's GPA→IOVA tree: IOVA 0x${model.maps.find((m) => m.gpa === 0xfeda0000n)!.iova.toString(16)}-0x${model.maps.find((m) => m.gpa === 0xfeda0000n)!.last.toString(16)} → GPA 0xfeda0000 read`,
  ].sort());
  assert.deepEqual(compareIovaTrees({ layout: 'legacy', maps: [] }, { layout: 'current', maps: [] }), ["QEMU's tree has the legacy layout, the model's the current one"]);
});

test('cross-check: one QEMU tree against one traced device, in the layout QEMU uses; anything else says why it was not compared', () => {
  const legacy = dumpAsInternal(tree('legacy').dump());
  const current = dumpAsInternal(tree('current').dump());
  const both = [
    { layout: 'current' as const, consistent: true, tree: current },
    { layout: 'legacy' as const, consistent: true, tree: legacy },
  ];
  assert.deepEqual(crossCheckIovaTrees([null, legacy], [both]), { status: 'equal', layout: 'legacy', differences: [] });
  const moved = { ...current, maps: current.maps.map((m) => (m.gpa === 0x0n ? { ...m, perm: 3 } : m)) };
  const r = crossCheckIovaTrees([moved], [both]);
  assert.equal(r.status, 'different');
  assert.match(r.status === 'different' ? r.differences.join() : '', /^GPA→IOVA tree node at IOVA 0x1000: QEMU vs model: perm read-write vs read$/);
  assert.deepEqual(crossCheckIovaTrees([], [both]), { status: 'not-compared', reason: 'QEMU has 0 vhost-vdpa IOVA tree(s) and the trace 1 device(s) with shadow virtqueues: only one of each can be paired' });
  assert.match(JSON.stringify(crossCheckIovaTrees([legacy], [[both[0]!]])), /the replay ran no legacy tree \(QEMU's layout\); replay with --qemu-layout auto or legacy/);
  assert.match(JSON.stringify(crossCheckIovaTrees([legacy], [[{ ...both[1]!, consistent: false }]])), /the trace contradicted the legacy layout QEMU uses/);
});
