import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultVtdConfig, type VtdConfig } from '../../../src/model/viommu/vtdFormat.js';
import { walkVtdSync, type VtdWalkResult } from '../../../src/model/viommu/vtdWalker.js';
import { SyntheticGuest } from './syntheticVtd.js';

const dev = { bus: 0, slot: 3, fn: 0 };
const devfn = 3 << 3;

function walk(g: SyntheticGuest, iova: bigint, opts: { access?: 'read' | 'write'; config?: Partial<VtdConfig>; rtaddr?: bigint } = {}): VtdWalkResult {
  const config = defaultVtdConfig(opts.config);
  return walkVtdSync({ rtaddr: opts.rtaddr ?? g.rootTable, device: dev, iova, config, ...(opts.access ? { access: opts.access } : {}) }, g.memory.read);
}

function okWalk(r: VtdWalkResult): Extract<VtdWalkResult, { ok: true }> {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r;
}
function faultWalk(r: VtdWalkResult): Extract<VtdWalkResult, { ok: false }> {
  assert.ok(!r.ok, 'expected a fault');
  return r;
}

test('3-level table (AW=1) walks three PTEs; 4-level (AW=2) needs aw-bits=48 and walks four', () => {
  const g = new SyntheticGuest();
  const t3 = g.setContext({ bus: 0, devfn, aw: 1, did: 7 });
  g.map(t3, 3, 0x1234_5000n, 0xabc_d000n);
  const r3 = okWalk(walk(g, 0x1234_5678n));
  assert.equal(r3.gpa, 0xabc_d678n);
  assert.equal(r3.domainId, 7);
  assert.deepEqual(r3.steps.filter((s) => s.what === 'pte').map((s) => s.level), [3, 2, 1]);
  // 3-level tables stop at 2^39
  const beyond = faultWalk(walk(g, 1n << 39n));
  assert.equal(beyond.faultReason, 4);

  const g4 = new SyntheticGuest();
  const t4 = g4.setContext({ bus: 0, devfn, aw: 2, did: 8 });
  const high = 0x7f_1234_5000n; // above 2^39: only reachable with 4 levels
  g4.map(t4, 4, high, 0x5555_0000n);
  const refused = faultWalk(walk(g4, high));
  assert.equal(refused.faultReason, 3);
  assert.match(refused.reason, /4-level tables \(AW=2\), aw-bits=39 supports 3-level/);
  const r4 = okWalk(walk(g4, high + 0x10n, { config: { awBits: 48 } }));
  assert.equal(r4.gpa, 0x5555_0010n);
  assert.deepEqual(r4.steps.filter((s) => s.what === 'pte').map((s) => s.level), [4, 3, 2, 1]);
});

test('2 MiB and 1 GiB superpages keep the IOVA offset inside the big page', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1 });
  g.map(t, 3, 0x20_0000n, 0x4000_0000n, { leafLevel: 2 });
  g.map(t, 3, 0x4000_0000n, 0x8000_0000n, { leafLevel: 3 });
  const r2 = okWalk(walk(g, 0x21_2345n));
  assert.deepEqual([r2.gpa, r2.level, r2.pageSize, r2.addrMask], [0x4001_2345n, 2, 0x20_0000n, 0x1f_ffffn]);
  const r1g = okWalk(walk(g, 0x4123_4567n));
  assert.deepEqual([r1g.gpa, r1g.level, r1g.addrMask], [0x8123_4567n, 3, 0x3fff_ffffn]);
  assert.equal(r1g.steps.filter((s) => s.what === 'pte').length, 1, 'a 1 GiB leaf is the top-level entry');
});

test('permissions stack through the levels: RO leaf under RW tables, RW leaf under a RO table', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1 });
  g.map(t, 3, 0x1000n, 0x9000n, { perm: 1, tablePerm: 3 });
  g.map(t, 3, 0x4000_0000n, 0xa000n, { perm: 3, tablePerm: 1 });
  assert.equal(okWalk(walk(g, 0x1000n)).perm, 1);
  const w = faultWalk(walk(g, 0x1000n, { access: 'write' }));
  assert.equal(w.faultReason, 5);
  assert.match(w.reason, /PTE at level 1 for IOVA 0x1000 of 00:03\.0 not writable/);
  assert.equal(okWalk(walk(g, 0x4000_0000n)).perm, 1, 'RW leaf under a read-only table is read-only');
  const w2 = faultWalk(walk(g, 0x4000_0000n, { access: 'write' }));
  assert.equal(w2.faultReason, 5);
  assert.match(w2.reason, /level 3/);
});

test('a non-present entry at each level is a read (or write) fault naming the level', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1 });
  const leaf = g.map(t, 3, 0x4020_1000n, 0x7000n);
  const l3 = faultWalk(walk(g, 0x8000_0000n));
  assert.match(l3.reason, /PTE at level 3 for IOVA 0x80000000 of 00:03\.0 not present/);
  assert.equal(l3.faultReason, 6);
  const l2 = faultWalk(walk(g, 0x4060_0000n));
  assert.match(l2.reason, /PTE at level 2 for IOVA 0x40600000 .* not present/);
  const l1 = faultWalk(walk(g, 0x4020_2000n, { access: 'write' }));
  assert.match(l1.reason, /PTE at level 1 for IOVA 0x40202000 .* not present/);
  assert.equal(l1.faultReason, 5);
  g.write64(leaf, 0n);
  assert.equal(faultWalk(walk(g, 0x4020_1000n)).kind, 'not-present');
});

test('reserved bits: SNP, superpage address bits, PS at level 4, bits above HAW, TM without device-IOTLB', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1 });
  g.map(t, 3, 0x1000n, 0x9000n, { leafExtra: 1n << 11n });
  const snp = faultWalk(walk(g, 0x1000n));
  assert.equal(snp.faultReason, 0xc);
  assert.match(snp.reason, /reserved bits 0x800/);
  assert.equal(okWalk(walk(g, 0x1000n, { config: { snoopControl: true } })).gpa, 0x9000n);

  g.map(t, 3, 0x20_0000n, 0x4000_0000n, { leafLevel: 2, leafExtra: 0x1000n });
  assert.match(faultWalk(walk(g, 0x20_0000n)).reason, /reserved bits 0x1000/);

  g.map(t, 3, 0x2000n, 0x80_0000_0000n); // bit 39: above the 39-bit host address width
  assert.equal(faultWalk(walk(g, 0x2000n)).faultReason, 0xc);

  g.map(t, 3, 0x3000n, 0xb000n, { leafExtra: 1n << 62n });
  assert.equal(faultWalk(walk(g, 0x3000n)).faultReason, 0xc);
  assert.equal(okWalk(walk(g, 0x3000n, { config: { dtSupported: true } })).gpa, 0xb000n);

  const g4 = new SyntheticGuest();
  const t4 = g4.setContext({ bus: 0, devfn, aw: 2, did: 1 });
  g4.write64(SyntheticGuest.pteAddr(t4, 0n, 4), 0x80n | 3n);
  const ps4 = faultWalk(walk(g4, 0x5000n, { config: { awBits: 48 } }));
  assert.equal(ps4.faultReason, 0xc);
  assert.match(ps4.reason, /level 4/);
});

test('pass-through context gives IOVA == GPA (refused when the vIOMMU has pt=off)', () => {
  const g = new SyntheticGuest();
  g.setContext({ bus: 0, devfn, aw: 1, tt: 2, did: 9 });
  const r = okWalk(walk(g, 0x1234_5678n));
  assert.deepEqual([r.gpa, r.perm, r.level, r.translationType, r.domainId], [0x1234_5678n, 3, 0, 'pass-through', 9]);
  assert.match(faultWalk(walk(g, 0x1000n, { config: { ptSupported: false } })).reason, /pass-through translation type but the vIOMMU has pt=off/);
});

test('scalable-mode root table is refused with a clear "unsupported" error', () => {
  const g = new SyntheticGuest();
  const r = faultWalk(walk(g, 0x1000n, { rtaddr: g.rootTable | 0x400n }));
  assert.equal(r.kind, 'unsupported');
  assert.match(r.reason, /scalable mode \(RTADDR bit 10 set\); only legacy-mode walks are supported/);
});

test('root/context problems: not present, reserved context bits, reserved and disabled translation types', () => {
  const g = new SyntheticGuest();
  const r = faultWalk(walk(g, 0x1000n));
  assert.equal(r.faultReason, 1);
  assert.match(r.reason, /root entry for bus 00 not present/);
  g.setContext({ bus: 0, devfn, aw: 1, did: 1, loExtra: 0x10n });
  assert.equal(faultWalk(walk(g, 0x1000n)).faultReason, 0xb);
  g.setContext({ bus: 0, devfn, aw: 1, did: 1, tt: 3 });
  assert.match(faultWalk(walk(g, 0x1000n)).reason, /reserved translation type 3/);
  g.setContext({ bus: 0, devfn, aw: 1, did: 1, tt: 1 });
  assert.match(faultWalk(walk(g, 0x1000n)).reason, /device-iotlb=off/);
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1, tt: 1 });
  g.map(t, 3, 0x1000n, 0x2000n);
  assert.equal(okWalk(walk(g, 0x1000n, { config: { dtSupported: true } })).translationType, 'device-iotlb');
});

test('translation into the interrupt window and tables outside captured memory are reported', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1 });
  g.map(t, 3, 0x1000n, 0xfee0_0000n);
  assert.equal(faultWalk(walk(g, 0x1000n)).kind, 'interrupt-range');
  g.write64(SyntheticGuest.pteAddr(t, 0x4000_0000n, 3), 0x7777_0000n | 3n);
  const r = faultWalk(walk(g, 0x4000_0000n));
  assert.equal(r.kind, 'unreadable');
  assert.match(r.reason, /page 0x77770000 was not captured/);
});

test('an all-ones PTE is taken as a failed read, as QEMU cannot tell them apart', () => {
  const g = new SyntheticGuest();
  const t = g.setContext({ bus: 0, devfn, aw: 1, did: 1 });
  const leaf = g.map(t, 3, 0x1000n, 0x2000n);
  g.write64(leaf, 0xffff_ffff_ffff_ffffn);
  const r = faultWalk(walk(g, 0x1000n));
  assert.equal(r.faultReason, 7);
  assert.match(r.reason, /reads as all-ones/);
  g.write64(SyntheticGuest.pteAddr(t, 0x1000n, 3), 0xffff_ffff_ffff_ffffn);
  assert.equal(faultWalk(walk(g, 0x1000n)).faultReason, 3, 'at the top level it is a context-entry problem');
});
