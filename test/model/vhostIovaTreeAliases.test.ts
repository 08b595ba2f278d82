// The real VhostIovaTree replaying the allocations of the aliased-unmap scenario: how QEMU finds
// the IOVA of an aliased HVA in each layout (the trace replay's predictors use this tree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { VhostIovaTree } from '../../src/model/vhostIovaTree.js';
import { U64_MAX } from '../../src/model/u64.js';

const SECTIONS = [
  { gpa: 0x0n, len: 0x80000000n, hva: 0x7f7903e00000n },
  { gpa: 0x100000000n, len: 0x1f80000000n, hva: 0x7f7983e00000n },
  { gpa: 0xfeda0000n, len: 0x20000n, hva: 0x7f7903ea0000n },
];

function build(layout: 'current' | 'legacy'): { memory: GuestMemoryMap; tree: VhostIovaTree; iovas: bigint[] } {
  const memory = new GuestMemoryMap();
  const tree = new VhostIovaTree(0n, U64_MAX, { layout });
  const iovas: bigint[] = [];
  for (const s of SECTIONS) {
    memory.addSection({ gpaStart: s.gpa, len: s.len, hva: s.hva });
    const map = { iova: 0n, translatedAddr: 0n, size: s.len - 1n, perm: 1 as const };
    const ret = layout === 'current' ? tree.mapAllocGpa(map, s.gpa) : tree.mapAlloc(map, s.hva);
    assert.equal(ret, 0);
    iovas.push(map.iova);
  }
  return { memory, tree, iovas };
}

test('real VhostIovaTree: allocations match the scenario trace (0x1000, 0x80001000, 0x2000001000)', () => {
  assert.deepEqual(build('current').iovas, [0x1000n, 0x80001000n, 0x2000001000n]);
  assert.deepEqual(build('legacy').iovas, [0x1000n, 0x80001000n, 0x2000001000n]);
});

test('real VhostIovaTree: current layout separates the aliases, legacy collapses them onto IOVA 0xb1000', () => {
  const hva = 0x7f7903eb0000n;
  // the HVA is shown at two GPAs: ram-below-4g and the SMRAM window
  const iovaOf = (t: VhostIovaTree, key: bigint, byGpa: boolean): bigint | undefined => {
    const n = byGpa ? t.findGpa({ translatedAddr: key, size: 0n }) : t.findIova({ translatedAddr: key, size: 0n });
    return n && n.iova + (key - n.translatedAddr);
  };
  const cur = build('current');
  const gpas = cur.memory.hvaToGpas(hva).map((v) => v.gpa);
  assert.deepEqual(gpas, [0xb0000n, 0xfedb0000n]);
  assert.deepEqual(gpas.map((g) => iovaOf(cur.tree, g, true)), [0xb1000n, 0x2000011000n]);
  // legacy: one tree keyed by HVA, first overlap in IOVA order, whichever GPA it came from
  const leg = build('legacy');
  assert.deepEqual(gpas.map(() => iovaOf(leg.tree, hva, false)), [0xb1000n, 0xb1000n]);
});
