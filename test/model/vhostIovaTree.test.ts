import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VhostIovaTree, VhostLayoutError } from '../../src/model/vhostIovaTree.js';
import { IOVA_ERR_INVALID, IOVA_ERR_NOMEM, IOVA_ERR_OVERLAP, IOVA_OK, type DMAMap } from '../../src/model/dmaMap.js';
import type { Perm } from '../../src/model/access.js';
import { U64_MAX } from '../../src/model/u64.js';

const req = (size: bigint, perm: Perm = 3, translatedAddr = 0n): DMAMap => ({ iova: 0n, translatedAddr, size, perm });

// scenarios.md §1 / semantics §2.3: (HVA start, GPA start, inclusive size) of the three sections
const RAM_LOW = { hva: 0x7f79_03e0_0000n, gpa: 0n, size: 0x7fff_ffffn };
const RAM_HIGH = { hva: 0x7f79_83e0_0000n, gpa: 0x1_0000_0000n, size: 0x1f_7fff_ffffn };
const SMRAM_ALIAS = { hva: 0x7f79_03ea_0000n, gpa: 0xfeda_0000n, size: 0x1_ffffn };

test('vhost_iova_tree_new raises iova_first to the host page size (both layouts)', () => {
  assert.equal(new VhostIovaTree(0n, U64_MAX).iovaFirst, 0x1000n);
  assert.equal(new VhostIovaTree(0x800n, U64_MAX, { layout: 'legacy' }).iovaFirst, 0x1000n);
  assert.equal(new VhostIovaTree(0n, U64_MAX, { hostPageSize: 0x10000n }).iovaFirst, 0x10000n);
  assert.equal(new VhostIovaTree(0x20_0000n, U64_MAX).iovaFirst, 0x20_0000n);
  const t = new VhostIovaTree(0n, U64_MAX);
  assert.equal(t.mapAlloc(req(0xfffn), 0x7f00_0000_0000n), IOVA_OK);
  assert.equal(t.findIova({ translatedAddr: 0x7f00_0000_0000n, size: 0n })?.iova, 0x1000n, 'IOVA 0 is never handed out');
});

test('§9.2 legacy layout: aliased HVA lookup returns node 1 (IOVA 0xb1000) and region_del removes the wrong map', () => {
  const t = new VhostIovaTree(0n, U64_MAX, { layout: 'legacy' });
  const iovas = [RAM_LOW, RAM_HIGH, SMRAM_ALIAS].map((s) => {
    const map = req(s.size);
    assert.equal(t.mapAlloc(map, s.hva), IOVA_OK);
    return map.iova;
  });
  assert.deepEqual(iovas, [0x1000n, 0x8000_1000n, 0x20_0000_1000n]);
  // a descriptor at HVA 0x7f7903eb0000 (guest GPA 0xfedb0000, 4 KiB): legacy looks it up by HVA
  const byHva = t.findIova({ translatedAddr: 0x7f79_03eb_0000n, size: 0xfffn });
  assert.equal(byHva && byHva.iova + (0x7f79_03eb_0000n - byHva.translatedAddr), 0xb1000n, 'not 0x2000011000: legacy has no GPA path');
  // listener region_del of the alias looks the section up by HVA → finds node 1
  const found = t.findIova({ translatedAddr: SMRAM_ALIAS.hva, size: SMRAM_ALIAS.size });
  assert.equal(found?.iova, 0x1000n);
  t.remove(found as DMAMap);
  const d = t.dump();
  assert.equal(d.layout, 'legacy');
  assert.deepEqual(d.layout === 'legacy' && d.raw.map((x) => x.iova), [0x8000_1000n, 0x20_0000_1000n], 'the 2 GiB map is gone, the alias stays');
});

test('§9.2 current layout: the GPA tree answers the aliased lookup and region_del correctly', () => {
  const t = new VhostIovaTree(0n, U64_MAX);
  for (const s of [RAM_LOW, RAM_HIGH, SMRAM_ALIAS]) assert.equal(t.mapAllocGpa(req(s.size), s.gpa), IOVA_OK);
  const byGpa = t.findGpa({ translatedAddr: 0xfedb_0000n, size: 0xfffn });
  assert.equal(byGpa && byGpa.iova + (0xfedb_0000n - byGpa.translatedAddr), 0x20_0001_1000n);
  const found = t.findGpa({ translatedAddr: SMRAM_ALIAS.gpa, size: SMRAM_ALIAS.size });
  assert.deepEqual(found, { iova: 0x20_0000_1000n, translatedAddr: 0xfeda_0000n, size: 0x1_ffffn, perm: 3 });
  t.removeGpa(found as DMAMap);
  const d = t.dump();
  assert.ok(d.layout === 'current');
  assert.deepEqual(d.gpa.map((x) => x.translatedAddr), [0n, 0x1_0000_0000n]);
  assert.deepEqual(d.alloc.map((x) => x.iova), [0x1000n, 0x8000_1000n]);
  assert.deepEqual(d.taddr, [], 'guest memory never enters the host-only tree');
});

test('remove_gpa matches GPA tree by GPA and allocator by IOVA', () => {
  const t = new VhostIovaTree(0n, U64_MAX);
  const a = req(0xfffn);
  const b = req(0xfffn);
  assert.equal(t.mapAllocGpa(a, 0x0n), IOVA_OK); // GPA 0x0 → IOVA 0x1000
  assert.equal(t.mapAllocGpa(b, 0x10_0000n), IOVA_OK); // GPA 0x100000 → IOVA 0x2000
  assert.deepEqual([a.iova, b.iova], [0x1000n, 0x2000n]);
  // B's GPA with A's IOVA: the GPA tree loses B, the allocator loses A's range
  t.removeGpa({ iova: 0x1000n, translatedAddr: 0x10_0000n, size: 0n });
  const d = t.dump();
  assert.ok(d.layout === 'current');
  assert.deepEqual(d.gpa, [{ iova: 0x1000n, translatedAddr: 0n, size: 0xfffn, perm: 3 }]);
  assert.deepEqual(d.alloc.map((x) => x.iova), [0x2000n]);
  // so the next allocation reuses IOVA 0x1000 although the GPA tree still points there
  const c = req(0xfffn);
  assert.equal(t.mapAllocGpa(c, 0x20_0000n), IOVA_OK);
  assert.equal(c.iova, 0x1000n);
  const d2 = t.dump();
  assert.ok(d2.layout === 'current');
  assert.deepEqual(d2.alloc.map((x) => x.iova), [0x1000n, 0x2000n]);
  assert.deepEqual(d2.gpa.map((x) => x.iova), [0x1000n, 0x1000n], 'two GPA ranges now share IOVA 0x1000');
});

test("map_alloc: allocator node keeps the caller's translated_addr, translated_addr is set only on success", () => {
  const t = new VhostIovaTree(0n, 0x2fffn);
  const ring = req(0x1fffn, 1, 0xdead_0000n); // caller left junk in translated_addr
  assert.equal(t.mapAlloc(ring, 0x7f00_0000_0000n), IOVA_OK);
  assert.equal(ring.translatedAddr, 0x7f00_0000_0000n);
  const d = t.dump();
  assert.ok(d.layout === 'current');
  assert.deepEqual(d.alloc, [{ iova: 0x1000n, translatedAddr: 0xdead_0000n, size: 0x1fffn, perm: 1 }]);
  assert.deepEqual(d.taddr, [{ iova: 0x1000n, translatedAddr: 0x7f00_0000_0000n, size: 0x1fffn, perm: 1 }]);
  const full = req(0xfffn);
  assert.equal(t.mapAlloc(full, 0x7f00_0001_0000n), IOVA_ERR_NOMEM, 'iova_last 0x2fff reached');
  assert.equal(full.translatedAddr, 0n, 'untouched after a failed allocation');
});

test('map_alloc: wrapping taddr or perm NONE is invalid before anything is allocated', () => {
  const t = new VhostIovaTree(0n, U64_MAX);
  assert.equal(t.mapAlloc(req(0x1000n), 0xffff_ffff_ffff_f000n), IOVA_ERR_INVALID);
  assert.equal(t.mapAllocGpa(req(0xfffn, 0), 0n), IOVA_ERR_INVALID);
  const d = t.dump();
  assert.ok(d.layout === 'current');
  assert.deepEqual(d.alloc, []);
});

test('map_alloc: a translation-tree overlap leaves the IOVA allocated (caller must undo) and returns -2', () => {
  const t = new VhostIovaTree(0n, U64_MAX);
  assert.equal(t.mapAllocGpa(req(0xfffn), 0x5000n), IOVA_OK);
  const dup = req(0xfffn);
  assert.equal(t.mapAllocGpa(dup, 0x5800n), IOVA_ERR_OVERLAP);
  assert.equal(dup.translatedAddr, 0x5800n, 'translated_addr == taddr: the caller sees the insert failed');
  const d = t.dump();
  assert.ok(d.layout === 'current');
  assert.equal(d.alloc.length, 2);
  t.removeGpa(dup); // QEMU's undo: GPA [0x5800, 0x67ff] also hits the first node in the GPA tree
  const d2 = t.dump();
  assert.ok(d2.layout === 'current');
  assert.deepEqual(d2.gpa, []);
  assert.deepEqual(d2.alloc.map((x) => x.iova), [0x1000n]);
});

test('legacy layout has no GPA tree: GPA calls say so', () => {
  const t = new VhostIovaTree(0n, U64_MAX, { layout: 'legacy' });
  assert.throws(() => t.mapAllocGpa(req(0xfffn), 0n), VhostLayoutError);
  assert.throws(() => t.findGpa({ translatedAddr: 0n, size: 0n }), /legacy layout .* has no GPA tree/);
  assert.throws(() => t.removeGpa({ translatedAddr: 0n, size: 0n }), VhostLayoutError);
});
