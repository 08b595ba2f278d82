// The resolver against the real VhostIovaTree (not a fake): proves the IovaTreeView contract
// holds for both layouts, replaying the allocations of the aliased-unmap scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from '../../src/model/resolver.js';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { VhostIovaTree } from '../../src/model/vhostIovaTree.js';
import { U64_MAX } from '../../src/model/u64.js';
import type { IovaTreeView } from '../../src/model/translation.js';

const SECTIONS = [
  { gpa: 0x0n, len: 0x80000000n, hva: 0x7f7903e00000n },
  { gpa: 0x100000000n, len: 0x1f80000000n, hva: 0x7f7983e00000n },
  { gpa: 0xfeda0000n, len: 0x20000n, hva: 0x7f7903ea0000n },
];

function build(layout: 'current' | 'legacy'): { memory: GuestMemoryMap; tree: IovaTreeView; iovas: bigint[] } {
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
  const cur = build('current');
  const c = resolve('hva', hva, { memory: cur.memory, svqTree: cur.tree });
  assert.deepEqual([c.hops.at(-1)?.addr, c.alternatives[0]?.at(-1)?.addr], [0xb1000n, 0x2000011000n]);
  const leg = build('legacy');
  const l = resolve('hva', hva, { memory: leg.memory, svqTree: leg.tree });
  assert.deepEqual([l.hops.at(-1)?.addr, l.alternatives[0]?.at(-1)?.addr], [0xb1000n, 0xb1000n]);
  assert.equal(l.hops.at(-1)?.owner?.kind, 'iova-tree-node');
});
