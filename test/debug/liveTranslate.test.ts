// What the debug console prints for `resolve gpa|hva|giova`: the model's resolver over a live
// snapshot (a hand-made q35-like map: 2 GiB of pc.ram below 4 GiB, the rest above 4 GiB in the
// same RAM block at offset 2 GiB, and the LAPIC MMIO), formatted by the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { liveSource, untranslatedAnswer, vtdLeafAnswer, walkedGiova } from '../../src/model/liveSource.js';
import { resolve, type ResolveSource } from '../../src/model/resolve.js';
import { consoleLines } from '../../src/debug/evaluate.js';

const HVA = 0x7f00_0000_0000n;
const map = new GuestMemoryMap({
  regions: [
    { start: 0n, last: 0x7fff_ffffn, name: 'pc.ram', offsetInRegion: 0n, kind: 'ram', readonly: false },
    { start: 0xfee0_0000n, last: 0xfeef_ffffn, name: 'apic-msi', offsetInRegion: 0n, kind: 'io', readonly: false },
    { start: 0x1_0000_0000n, last: 0x1_7fff_ffffn, name: 'pc.ram', offsetInRegion: 0x8000_0000n, kind: 'ram', readonly: false },
  ],
  ramBlocks: [{ name: 'pc.ram', hva: HVA, usedLength: 0x1_0000_0000n, maxLength: 0x1_0000_0000n, offset: 0n }],
});
const live = { live: liveSource(map) };

test('a GPA above 4 GiB lands 2 GiB into pc.ram', () => {
  const a = resolve('gpa', 0x1_0000_1000n, live);
  assert.deepEqual(a.hops.map((h) => [h.space, h.addr]), [['gpa', 0x1_0000_1000n], ['hva', 0x7f00_8000_1000n]]);
  assert.equal(a.hops[1]!.owner, "RAMBlock 'pc.ram' +0x80001000");
  assert.equal(consoleLines([a]), 'gpa 0x100001000 -> hva 0x7f0080001000, in pc.ram');
});

test('MMIO has no HVA and says so, naming its region', () => {
  const a = resolve('gpa', 0xfee0_0000n, live);
  assert.deepEqual(a.hops.map((h) => h.owner), ['apic-msi']);
  assert.equal(a.error, "GPA 0xfee00000 is not RAM (mmio region 'apic-msi')");
  assert.equal(consoleLines([a]), "gpa 0xfee00000 -> in apic-msi (GPA 0xfee00000 is not RAM (mmio region 'apic-msi'))");
});

test('an HVA goes back to the GPA of its half of pc.ram', () => {
  assert.deepEqual(resolve('hva', 0x7f00_8000_1000n, live).hops.map((h) => h.addr), [0x7f00_8000_1000n, 0x1_0000_1000n]);
  assert.equal(consoleLines([resolve('hva', HVA + 0x10n, live)]), 'hva 0x7f0000000010 -> gpa 0x10, in pc.ram');
});

test('an HVA seen at two GPAs (an alias) gives two chains, two console lines', () => {
  const aliased = new GuestMemoryMap({
    regions: [
      { start: 0n, last: 0xfffffn, name: 'pc.ram', offsetInRegion: 0n, kind: 'ram', readonly: false },
      { start: 0xfeda0000n, last: 0xfedbffffn, name: 'pc.ram', offsetInRegion: 0xa0000n, kind: 'ram', readonly: false },
    ],
    ramBlocks: [{ name: 'pc.ram', hva: HVA, usedLength: 0x100000n, maxLength: 0x100000n, offset: 0n }],
  });
  const a = resolve('hva', HVA + 0xb0000n, { live: liveSource(aliased) });
  assert.deepEqual([a.hops[1]!.addr, a.alternatives.map((c) => c[1]!.addr)], [0xb0000n, [0xfedb0000n]]);
  assert.equal(consoleLines([a]), 'hva 0x7f00000b0000 -> gpa 0xb0000, in pc.ram\nhva 0x7f00000b0000 -> gpa 0xfedb0000, in pc.ram');
  // from one GPA, the HVA hop says where else the guest sees those bytes
  assert.equal(resolve('gpa', 0xfedb0000n, { live: liveSource(aliased) }).hops[1]!.note, 'also visible at GPA 0xb0000');
});

test('a GPA reached through an alias window names it on its hop', () => {
  const q35 = new GuestMemoryMap({
    regions: [{ start: 0n, last: 0x7fff_ffffn, name: 'pc.ram', offsetInRegion: 0n, kind: 'ram', readonly: false }],
    ramBlocks: [{ name: 'pc.ram', hva: HVA, usedLength: 0x8000_0000n, maxLength: 0x8000_0000n, offset: 0n }],
    aliases: [{ name: 'ram-below-4g', target: 'pc.ram', targetOffset: 0n, start: 0n, last: 0x7fff_ffffn }],
  });
  const a = resolve('gpa', 0x1000n, { live: liveSource(q35) });
  assert.equal(a.hops[0]!.note, "via alias 'ram-below-4g' @pc.ram 0x0");
  assert.equal(consoleLines([a]), 'gpa 0x1000 -> hva 0x7f0000001000, in pc.ram');
});

test('an HVA outside guest RAM is named with the reason', () => {
  const a = resolve('hva', 0x5555_0000_0000n, live);
  assert.equal(a.hops.length, 1);
  assert.match(consoleLines([a]), /^hva 0x555500000000 -> nothing \(HVA 0x555500000000 is in no RAM block/);
});

test('a walked GIOVA: the VT-d leaf owns it, then GPA and HVA; a failed walk is the error', () => {
  const walked = vtdLeafAnswer('00:02.0', 0xfffff240n, { domainId: 4, level: 1, perm: 3, addrMask: 0xfffn, gpa: 0x1_0000_0240n });
  const a = resolve('giova', 0xfffff240n, { live: liveSource(map, walkedGiova('00:02.0', 0xfffff240n, walked)) }, { device: '00:02.0' });
  assert.deepEqual(a.hops.map((h) => [h.space, h.addr]), [['giova', 0xfffff240n], ['gpa', 0x1_0000_0240n], ['hva', 0x7f00_8000_0240n]]);
  assert.deepEqual([a.hops[0]!.owner, a.hops[0]!.perm, a.hops[0]!.device], ['VT-d 00:02.0 domain 4 level 1 leaf [0xfffff000, 0xffffffff] → GPA 0x100000000', 3, '00:02.0']);
  assert.equal(consoleLines([a]), 'giova 0xfffff240 (00:02.0) -> gpa 0x100000240, hva 0x7f0080000240, in pc.ram');
  const toMmio = resolve('giova', 0xfee0_0010n, { live: liveSource(map, walkedGiova('00:02.0', 0xfee0_0010n, untranslatedAnswer(0xfee0_0010n, 'VT-d translation disabled (GSTS.TES clear)'))) }, { device: '00:02.0' });
  assert.deepEqual([toMmio.hops[0]!.owner, toMmio.hops[0]!.perm], ['VT-d translation disabled (GSTS.TES clear): GIOVA = GPA', 3]);
  assert.equal(consoleLines([toMmio]), "giova 0xfee00010 (00:02.0) -> gpa 0xfee00010, in apic-msi (GPA 0xfee00010 is not RAM (mmio region 'apic-msi'))");
  const failed = resolve('giova', 0x2000n, { live: liveSource(map, walkedGiova('00:02.0', 0x2000n, { ok: false, reason: 'VT-d walk of GIOVA 0x2000: not present' })) }, { device: '00:02.0' });
  assert.equal(consoleLines([failed]), 'giova 0x2000 (00:02.0) -> nothing (VT-d walk of GIOVA 0x2000: not present)');
});

test('a 2 MiB superpage leaf: the page and the GPA at the same offset in it, as the trace replay computes them', () => {
  const leaf = vtdLeafAnswer('00:03.0', 0x2f_1234n, { domainId: 1, level: 2, perm: 1, addrMask: 0x1f_ffffn, gpa: 0x4_02f1_234n });
  assert.deepEqual(leaf, { ok: true, gpa: 0x4_02f1_234n, perm: 1, owner: 'VT-d 00:03.0 domain 1 level 2 leaf [0x200000, 0x3fffff] → GPA 0x40200000' });
});

test('device IOVAs are not read from a live VM; a GIOVA without a device says to name one', () => {
  assert.match(resolve('iova', 0x1000n, live).error ?? '', /not read from a live VM/);
  assert.match(resolve('giova', 0x1000n, live).error ?? '', /name the device/);
});

test('with a trace attached, the device IOVA the trace adds is printed with its ASID and trace line', () => {
  // a trace that maps the VM's HVA of GPA 0x1000 at IOVA 0x2000 (line 5)
  const timeline: ResolveSource = {
    line: 20,
    next: (c) => (c[c.length - 1]!.addr === 0x7f00_0000_1000n ? [{ space: 'iova', addr: 0x2000n, asid: 0, createdLine: 5 }] : []),
    nowhere: () => 'not in the trace',
  };
  const a = resolve('gpa', 0x1000n, { live: liveSource(map), timeline });
  assert.equal(consoleLines([a]), 'gpa 0x1000 -> hva 0x7f0000001000, iova 0x2000 (ASID 0, trace line 5), in pc.ram');
});
