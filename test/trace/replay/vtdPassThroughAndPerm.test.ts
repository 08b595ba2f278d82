// VT-d rules the replay takes from the model: identity translations while DMAR is off are
// pass-through (no vIOMMU mapping, nothing to invalidate or blame later), and the R/W bits of the
// leaf QEMU traced (vtd_dmar_slpte) are the permission of the translation that follows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { slptePerm, psiRange, translationPerm } from '../../../src/model/viommu/vtdRules.js';

const OFF = 'vtd_switch_address_space Device 00:02.0 switching address space (iommu enabled=0)';
const ON = 'vtd_switch_address_space Device 00:02.0 switching address space (iommu enabled=1)';
const viommuRecords = (text: string) => {
  const e = analyzeTraceText(text);
  const t = e.timeline.tables.find((x) => x.kind === 'viommu' && x.owner === '00:02.0');
  return { e, recs: t ? e.timeline.records.filter((r) => r.table === t.id) : [] };
};

test('DMAR off: an identity vtd_dmar_translate is pass-through, not a vIOMMU mapping, and a later fault is not blamed on it', () => {
  const text = [
    OFF,
    'vtd_dmar_translate dev 00:02.00 iova 0x7d10000 -> gpa 0x7d10000 mask 0xfff',
    ON,
    'vtd_dmar_fault sid 0x10 fault 6 addr 0x7d10000 write 0',
  ].join('\n');
  const { e, recs } = viommuRecords(text);
  assert.deepEqual(recs, [], 'no vIOMMU mapping from the DMAR-off translation');
  const faults = e.diagnostics().filter((d) => d.code === 'dma-fault');
  assert.equal(faults.length, 1);
  assert.match(faults[0]!.message, /never mapped for 00:02\.0/, 'the fault is not "used after the guest unmapped it"');
  assert.deepEqual(faults[0]!.related, []);
});

test('DMAR on: the same identity translation is a vIOMMU mapping (identity is not pass-through by itself)', () => {
  const { recs } = viommuRecords([ON, 'vtd_dmar_translate dev 00:02.00 iova 0x7d10000 -> gpa 0x7d10000 mask 0xfff'].join('\n'));
  assert.equal(recs.length, 1);
  assert.deepEqual([recs[0]!.start, recs[0]!.last, recs[0]!.target, recs[0]!.perm], [0x7d10000n, 0x7d10fffn, 0x7d10000n, 3]);
});

test('the slpte R/W bits are the permission of the translation; without a traced leaf it is read-write', () => {
  const text = [
    ON,
    'vtd_dmar_slpte sid 0x10 slpte 0x1f2556001 addr 0x800000000 write 0',
    'vtd_dmar_translate dev 00:02.00 iova 0x800000000 -> gpa 0x1f2556000 mask 0xfff',
    'vtd_dmar_slpte sid 0x10 slpte 0x1f25fc003 addr 0x80020a000 write 1',
    'vtd_dmar_translate dev 00:02.00 iova 0x80020a000 -> gpa 0x1f25fc000 mask 0xfff',
    'vtd_dmar_slpte sid 0x10 slpte 0x1f25fd002 addr 0x80020b000 write 1',
    'vtd_dmar_translate dev 00:02.00 iova 0x80020b000 -> gpa 0x1f25fd000 mask 0xfff',
    'vtd_dmar_translate dev 00:02.00 iova 0x80020c000 -> gpa 0x1f25fe000 mask 0xfff',
  ].join('\n');
  const { e, recs } = viommuRecords(text);
  assert.deepEqual(recs.map((r) => [r.start, r.perm]), [[0x800000000n, 1], [0x80020a000n, 3], [0x80020b000n, 2], [0x80020c000n, 3]]);
  const hop = e.resolve('giova', 0x800000010n, 8, { device: '00:02.0' }).hops[1];
  assert.deepEqual([hop?.space, hop?.addr, hop?.perm], ['gpa', 0x1f2556010n, 1], 'resolve reports the read-only leaf');
  assert.deepEqual(e.diagnostics(), []);
});

test('slptePerm reads bit 0 (R) and bit 1 (W) only; psiRange refuses orders QEMU cannot send', () => {
  assert.deepEqual([0n, 1n, 2n, 3n, 0x1f25fc003n, 0xfffn & ~3n].map(slptePerm), [0, 1, 2, 3, 3, 0]);
  assert.deepEqual(psiRange(0x10000n, 4), { start: 0x10000n, last: 0x1ffffn });
  assert.equal(psiRange(0n, 53), undefined);
  assert.deepEqual(psiRange(0xffff_ffff_ffff_f000n, 52), { start: 0xffff_ffff_ffff_f000n, last: 0xffff_ffff_ffff_ffffn }, 'clipped at 2^64 - 1');
});

test('translationPerm: the printed permission wins, then a traced leaf inside the page, else read-write', () => {
  const page = [0x5000n, 0x5fffn] as const;
  assert.equal(translationPerm(2, { addr: 0x5008n, perm: 1 }, ...page), 2);
  assert.equal(translationPerm(undefined, { addr: 0x5008n, perm: 1 }, ...page), 1);
  assert.equal(translationPerm(undefined, { addr: 0x5fffn, perm: 0 }, ...page), 0, 'a non-present leaf at the last byte');
  assert.equal(translationPerm(undefined, { addr: 0x6000n, perm: 1 }, ...page), 3, 'a leaf of another page says nothing about this one');
  assert.equal(translationPerm(undefined, undefined, ...page), 3);
});
