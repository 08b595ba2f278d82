import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemoryMap, MemoryMapError } from '../../src/model/memory/guestMemoryMap.js';
import { PC_BIOS_HVA, PC_RAM_HVA, VGA_VRAM_HVA, q35SmmView } from './fixtures/q35Smm.js';

const hvaOf = (m: GuestMemoryMap, gpa: bigint): bigint => {
  const r = m.gpaToHva(gpa);
  assert.ok(r.ok, `expected GPA 0x${gpa.toString(16)} to be RAM, got: ${r.ok ? '' : r.reason}`);
  return r.hva;
};
const reasonOf = (m: GuestMemoryMap, gpa: bigint): string => {
  const r = m.gpaToHva(gpa);
  assert.equal(r.ok, false, `expected GPA 0x${gpa.toString(16)} to have no HVA`);
  return r.ok ? '' : r.reason;
};

test('pc.ram flat ranges map GPA to pc.ram HVA + GPA at first and last byte of each range', () => {
  const m = new GuestMemoryMap(q35SmmView());
  // pc.ram ranges in q35 show pc.ram at its own offset, so HVA = base + GPA on every one of them.
  for (const [first, last] of [[0x0n, 0xbffffn], [0xc0000n, 0xcafffn], [0xcb000n, 0xcdfffn], [0x100000n, 0x1fffffffn]] as const) {
    assert.equal(hvaOf(m, first), PC_RAM_HVA + first);
    assert.equal(hvaOf(m, last), PC_RAM_HVA + last);
  }
  const rom = m.gpaToHva(0xc0000n);
  assert.ok(rom.ok && rom.readonly && rom.range.kind === 'rom' && rom.ramBlock?.name === 'pc.ram');
  const ram = m.gpaToHva(0xcb000n);
  assert.ok(ram.ok && !ram.readonly);
});

test('one byte past RAM: holes are "not in the flat view", MMIO is "not RAM" with its name', () => {
  const m = new GuestMemoryMap(q35SmmView());
  assert.equal(reasonOf(m, 0x20000000n), 'GPA 0x20000000 is not in the flat view');
  assert.equal(reasonOf(m, 0xb0000000n), "GPA 0xb0000000 is not RAM (mmio region 'pcie-mmcfg-mmio')");
  assert.equal(reasonOf(m, 0xbfffffffn), "GPA 0xbfffffff is not RAM (mmio region 'pcie-mmcfg-mmio')");
  assert.equal(reasonOf(m, 0xaffffffffn), 'GPA 0xaffffffff is not in the flat view');
  assert.equal(reasonOf(m, 0xc0000000n), 'GPA 0xc0000000 is not in the flat view');
  assert.equal(reasonOf(m, 0xfed9022fn), "GPA 0xfed9022f is not RAM (mmio region 'intel_iommu')");
  assert.equal(reasonOf(m, 0xfed90230n), 'GPA 0xfed90230 is not in the flat view');
  assert.equal(reasonOf(m, 0x100000000n), 'GPA 0x100000000 is not in the flat view');
  assert.equal(reasonOf(m, 0xffff_ffff_ffff_ffffn), 'GPA 0xffffffffffffffff is not in the flat view');
});

test('device RAM finds its "<pci addr>/name" RAMBlock; ROM at the top of 4 GiB ends exactly at 0xffffffff', () => {
  const m = new GuestMemoryMap(q35SmmView());
  assert.equal(hvaOf(m, 0xfd000000n), VGA_VRAM_HVA);
  assert.equal(hvaOf(m, 0xfdffffffn), VGA_VRAM_HVA + 0xffffffn);
  const v = m.gpaToHva(0xfd000010n);
  assert.ok(v.ok && v.ramBlock?.name === '0000:00:01.0/vga.vram');
  assert.equal(hvaOf(m, 0xfffc0000n), PC_BIOS_HVA);
  assert.equal(hvaOf(m, 0xffffffffn), PC_BIOS_HVA + 0x3ffffn);
});

test('SMRAM: one pc.ram byte is reported at BOTH GPAs that show it, in GPA order', () => {
  const m = new GuestMemoryMap(q35SmmView());
  const hva = PC_RAM_HVA + 0xa8000n;
  assert.equal(hvaOf(m, 0xfeda8000n), hva, 'open-high window shows pc.ram @0xa0000');
  assert.deepEqual(m.hvaToGpas(hva).map((v) => v.gpa), [0xa8000n, 0xfeda8000n]);
  // window edges: first and last byte alias, one past each does not
  assert.deepEqual(m.hvaToGpas(PC_RAM_HVA + 0xa0000n).map((v) => v.gpa), [0xa0000n, 0xfeda0000n]);
  assert.deepEqual(m.hvaToGpas(PC_RAM_HVA + 0xbffffn).map((v) => v.gpa), [0xbffffn, 0xfedbffffn]);
  assert.deepEqual(m.hvaToGpas(PC_RAM_HVA + 0x9ffffn).map((v) => v.gpa), [0x9ffffn]);
  assert.deepEqual(m.hvaToGpas(PC_RAM_HVA + 0xc0000n).map((v) => v.gpa), [0xc0000n]);
  assert.deepEqual(m.hvaToGpas(PC_RAM_HVA + 0x20000000n), [], 'past pc.ram used length');
  assert.deepEqual(m.hvaToGpas(PC_RAM_HVA - 1n), []);
  // the aliases that explain each view
  assert.deepEqual(m.aliasesAt(0xfeda8000n).map((a) => a.name), ['smram-open-high']);
  assert.deepEqual(m.aliasesAt(0xa8000n).map((a) => a.name).sort(), ['ram-below-4g', 'smram-low']);
  assert.deepEqual(m.aliasesAt(0xb0000000n), []);
});

test('range queries return every flat range overlapping a GPA range, in order', () => {
  const m = new GuestMemoryMap(q35SmmView());
  assert.deepEqual(m.rangesOverlapping(0xbffffn, 0xcb000n).map((r) => r.start), [0x0n, 0xc0000n, 0xcb000n]);
  assert.deepEqual(m.rangesOverlapping(0x20000000n, 0xafffffffn), []);
  assert.deepEqual(m.rangesOverlapping(0xfed90000n, 0xfee00000n).map((r) => r.name), ['intel_iommu', 'pc.ram', 'apic-msi']);
  assert.equal(m.findRange(0xfeefffffn)?.name, 'apic-msi');
  assert.equal(m.findRange(0xfef00000n), undefined);
});

test('RAMBlock without an HVA (info ramblock before 8.0) gives a reason, not a wrong address', () => {
  const data = q35SmmView();
  data.regions.push({ start: 0x1_0000_0000n, last: 0x1_0001_ffffn, name: 'pc.rom', offsetInRegion: 0n, kind: 'rom', readonly: true });
  const m = new GuestMemoryMap(data);
  assert.match(reasonOf(m, 0x1_0000_0000n), /GPA 0x100000000 is in 'pc.rom' @0x0 but RAMBlock 'pc.rom' has no known HVA/);
});

test('bad data is refused with what and where', () => {
  const overlap = q35SmmView();
  overlap.regions.push({ start: 0xbf000n, last: 0xc0fffn, name: 'bogus', offsetInRegion: 0n, kind: 'ram', readonly: false });
  assert.throws(() => new GuestMemoryMap(overlap), (e: unknown) => e instanceof MemoryMapError && /'bogus' \[0xbf000, 0xc0fff\] overlaps 'pc.ram' \[0x0, 0xbffff\]/.test(e.message));
  assert.throws(() => new GuestMemoryMap({ regions: [{ start: 5n, last: 4n, name: 'x', offsetInRegion: 0n, kind: 'ram', readonly: false }] }), /flat range #0 'x': last 0x4 is below start 0x5/);
  assert.throws(() => new GuestMemoryMap({ regions: [{ start: 0n, last: 1n << 64n, name: 'x', offsetInRegion: 0n, kind: 'ram', readonly: false }] }), /must be u64/);
});

test('listener sections (scenario §1): add, aliasing, overlap refusal, exact removal', () => {
  const m = new GuestMemoryMap();
  // trace lines 3, 7, 11 of samples/aliased-unmap-svq-legacy.log (region_add: exclusive llend)
  assert.ok(m.addSection({ gpaStart: 0x0n, gpaEnd: 0x80000000n, hva: 0x7f7903e00000n, readonly: false, line: 3 }).ok);
  assert.ok(m.addSection({ gpaStart: 0x100000000n, gpaEnd: 0x2080000000n, hva: 0x7f7983e00000n, readonly: false, line: 7 }).ok);
  assert.ok(m.addSection({ gpaStart: 0xfeda0000n, gpaEnd: 0xfedc0000n, hva: 0x7f7903ea0000n, readonly: false, line: 11 }).ok);
  assert.equal(hvaOf(m, 0x7fffffffn), 0x7f7983dfffffn);
  assert.equal(reasonOf(m, 0x80000000n), 'GPA 0x80000000 is not in the flat view');
  assert.deepEqual(m.hvaToGpas(0x7f7903eb0000n).map((v) => [v.gpa, v.range.createdLine]), [[0xb0000n, 3], [0xfedb0000n, 11]]);

  const clash = m.addSection({ gpaStart: 0x7ffff000n, len: 0x2000n, hva: 0x1000n, line: 20 });
  assert.equal(clash.ok, false);
  assert.match(clash.ok ? '' : clash.reason, /section \[0x7ffff000, 0x80000fff\] \(line 20\) overlaps 'section@0x0' \[0x0, 0x7fffffff\]/);

  // line 15: region_del prints an inclusive end (≥ 8.0)
  const del = m.removeSection({ gpaStart: 0xfeda0000n, gpaLast: 0xfedbffffn, line: 15 });
  assert.equal(del.exact, true);
  assert.deepEqual(del.removed.map((r) => [r.start, r.last, r.createdLine, r.removedLine]), [[0xfeda0000n, 0xfedbffffn, 11, 15]]);
  assert.deepEqual(m.hvaToGpas(0x7f7903eb0000n).map((v) => v.gpa), [0xb0000n]);
  assert.equal(m.removed.length, 1);
});

test('removing part of a section keeps the rest with the right HVA', () => {
  const m = new GuestMemoryMap();
  m.addSection({ gpaStart: 0x0n, gpaEnd: 0x80000000n, hva: 0x7f7903e00000n, line: 3 });
  const del = m.removeSection({ gpaStart: 0x40000000n, len: 0x20000000n, line: 9 });
  assert.equal(del.exact, false);
  assert.deepEqual(del.removed.map((r) => [r.start, r.last, r.hva]), [[0x40000000n, 0x5fffffffn, 0x7f7903e00000n + 0x40000000n]]);
  assert.equal(hvaOf(m, 0x3fffffffn), 0x7f7903e00000n + 0x3fffffffn);
  assert.equal(hvaOf(m, 0x60000000n), 0x7f7903e00000n + 0x60000000n);
  assert.equal(reasonOf(m, 0x40000000n), 'GPA 0x40000000 is not in the flat view');
  assert.deepEqual(m.removeSection({ gpaStart: 0x90000000n, len: 0x1000n }).removed, [], 'removing unmapped space removes nothing');
  assert.throws(() => m.removeSection({ gpaStart: 0n, len: 1n, gpaLast: 0n }), /give exactly one of gpaLast, gpaEnd, len/);
});

test('HVA index stays correct with many ranges (binary search and interval index)', () => {
  const regions = [];
  for (let i = 0n; i < 2000n; i++) {
    // every range maps the same 1 MiB of host memory: heavy aliasing
    regions.push({ start: i * 0x200000n, last: i * 0x200000n + 0xfffffn, name: `r${i}`, offsetInRegion: 0n, kind: 'ram' as const, readonly: false, hva: 0x7f0000000000n });
  }
  const m = new GuestMemoryMap({ regions });
  assert.equal(m.hvaToGpas(0x7f0000000000n + 0x123n).length, 2000);
  assert.equal(m.hvaToGpas(0x7f0000000000n + 0x100000n).length, 0);
  assert.equal(hvaOf(m, 1999n * 0x200000n + 0xfffffn), 0x7f0000000000n + 0xfffffn);
  assert.equal(reasonOf(m, 1999n * 0x200000n + 0x100000n), `GPA 0x${(1999n * 0x200000n + 0x100000n).toString(16)} is not in the flat view`);
});
