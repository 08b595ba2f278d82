// What the debug console prints for `resolve gpa|hva`, over a hand-made q35-like map: 2 GiB of
// pc.ram below 4 GiB, the rest above 4 GiB (same RAM block, offset 2 GiB), and the LAPIC MMIO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { formatResolution, resolveGpa, resolveHva } from '../../src/debug/liveTranslate.js';

const HVA = 0x7f00_0000_0000n;
const map = new GuestMemoryMap({
  regions: [
    { start: 0n, last: 0x7fff_ffffn, name: 'pc.ram', offsetInRegion: 0n, kind: 'ram', readonly: false },
    { start: 0xfee0_0000n, last: 0xfeef_ffffn, name: 'apic-msi', offsetInRegion: 0n, kind: 'io', readonly: false },
    { start: 0x1_0000_0000n, last: 0x1_7fff_ffffn, name: 'pc.ram', offsetInRegion: 0x8000_0000n, kind: 'ram', readonly: false },
  ],
  ramBlocks: [{ name: 'pc.ram', hva: HVA, usedLength: 0x1_0000_0000n, maxLength: 0x1_0000_0000n, offset: 0n }],
});

test('a GPA above 4 GiB lands 2 GiB into pc.ram', () => {
  const r = resolveGpa(map, 0x1_0000_1000n);
  assert.equal(r.hva, 0x7f00_8000_1000n);
  assert.equal(formatResolution(r), 'gpa 0x100001000 -> hva 0x7f0080001000, in pc.ram');
});

test('MMIO has no HVA and says so', () => {
  const r = resolveGpa(map, 0xfee0_0000n);
  assert.equal(r.hva, null);
  assert.equal(r.region, 'apic-msi');
  assert.ok(r.reason && r.reason.length > 0);
});

test('an HVA goes back to the GPA of its half of pc.ram', () => {
  assert.deepEqual(resolveHva(map, 0x7f00_8000_1000n).map((r) => r.gpa), [0x1_0000_1000n]);
  assert.deepEqual(resolveHva(map, HVA + 0x10n).map((r) => r.gpa), [0x10n]);
  assert.equal(formatResolution(resolveHva(map, HVA + 0x10n)[0]!), 'hva 0x7f0000000010 -> gpa 0x10, in pc.ram');
});

test('an HVA outside guest RAM is named with the reason', () => {
  const [r] = resolveHva(map, 0x5555_0000_0000n);
  assert.equal(r!.gpa, null);
  assert.match(formatResolution(r!), /^hva 0x555500000000 -> nothing \(HVA 0x555500000000 is in no RAM block/);
});
