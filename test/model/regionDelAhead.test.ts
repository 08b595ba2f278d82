// Said before QEMU does it: region_del's lookup on a live IOVA tree. The seed bug's shape (the
// legacy tree keyed by HVA; low RAM aliased at GPA 0xfeda0000): the unmap for the alias's section
// finds guest RAM's map first and removes it. The current layout finds the section's own map by GPA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InternalIovaTree } from '../../src/model/qemuInternals.js';
import { findIovaAhead, regionDelAhead } from '../../src/model/regionDelAhead.js';
import type { ListenerSection } from '../../src/model/vdpaListener.js';

const RAM_HVA = 0x7f0000000000n;
// what QEMU 7.2 holds after region_add of guest RAM (GPA 0, 2 GiB) and of the alias section
const legacy: InternalIovaTree = {
  layout: 'legacy',
  maps: [
    { iova: 0x1000n, last: 0x80000fffn, taddr: RAM_HVA, perm: 1 },
    { iova: 0x80001000n, last: 0x80020fffn, taddr: RAM_HVA + 0xa0000n, perm: 1 },
  ],
};
// the alias: 128 KiB of low RAM (offset 0xa0000 of pc.ram) shown at GPA 0xfeda0000
const aliasSection: ListenerSection = { gpa: 0xfeda0000n, offsetInRegion: 0xa0000n, size: 0x20000n, kind: 'ram', readonly: false, ramPtr: RAM_HVA };

test('legacy tree: region_del of the alias finds guest RAM\'s map by HVA and unmaps from ITS start', () => {
  const said = regionDelAhead(legacy, aliasSection);
  assert.match(said, /^QEMU's lookup \(vhost_iova_tree_find_iova, by HVA\) returns the map IOVA \[0x1000, 0x80000fff\] → HVA 0x7f0000000000: region_del removes that map and unmaps IOVA 0x1000 \+0x20000$/m);
  assert.match(said, /2 maps hold this section's HVA \(aliased guest memory\): QEMU takes the first in IOVA order, which may be another alias's map/);
});

test('current tree: the GPA tree finds the section\'s own map', () => {
  const current: InternalIovaTree = {
    layout: 'current',
    maps: [
      { iova: 0x1000n, last: 0x80000fffn, taddr: 0n, gpa: 0n, perm: 1 },
      { iova: 0x80001000n, last: 0x80020fffn, taddr: 0xfeda0000n, gpa: 0xfeda0000n, perm: 1 },
    ],
  };
  const said = regionDelAhead(current, aliasSection);
  assert.equal(said, 'QEMU\'s lookup (vhost_iova_tree_find_gpa, by GPA) returns the map IOVA [0x80001000, 0x80020fff] → GPA 0xfeda0000: region_del removes that map and unmaps IOVA 0x80001000 +0x20000');
});

test('a section with no map, an I/O section, and vhost_iova_tree_find_iova itself', () => {
  assert.match(regionDelAhead(legacy, { ...aliasSection, ramPtr: 0x7e0000000000n }), /finds no map for this section in the live tree: region_del returns without unmapping/);
  assert.match(regionDelAhead(legacy, { ...aliasSection, kind: 'io' }), /^region_del skips this section: io section is never mapped/);
  assert.match(findIovaAhead(legacy, { translatedAddr: RAM_HVA + 0xa0000n, size: 0x1fffn }), /will return the map IOVA \[0x1000, 0x80000fff\] → HVA 0x7f0000000000 \(first in IOVA order of 2 maps holding that HVA: aliased guest memory\)$/);
  assert.match(findIovaAhead(legacy, { translatedAddr: 0x1000n, size: 0n }), /will return NULL/);
});
