// Trace-fed mode on the real QEMU 7.2 capture: no guest memory, only vtd_* events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VtdModel } from '../../../src/model/viommu/vtdModel.js';
import { feedVtdEvent, feedVtdRecord, VtdFeedError } from '../../../src/model/viommu/vtdTraceFeed.js';

const dir = join(process.cwd(), 'samples', 'qemu-7.2-vtd-net');
const lines = readFileSync(join(dir, 'trace.log'), 'utf8').split('\n');
const walkJson = JSON.parse(readFileSync(join(dir, 'vtd-walk.json'), 'utf8')) as { translations: { pci: string; iova: string; gpa: string }[] };

function feed(model: VtdModel, upto = lines.length): void {
  for (let i = 0; i < upto; i++) {
    const m = /^(\w+) ?(.*)$/.exec(lines[i]!);
    if (m) feedVtdEvent(model, m[1]!, i + 1, m[2]!);
  }
}

test('after the whole trace, vring IOVAs translate to the GPAs the memory walk found', () => {
  const model = new VtdModel();
  feed(model);
  for (const t of walkJson.translations) {
    const r = model.translate(t.pci, BigInt(t.iova), 'read');
    assert.ok(r.ok, r.ok ? '' : r.reason);
    assert.equal(r.gpa, BigInt(t.gpa), `${t.pci} ${t.iova}`);
    assert.equal(r.pageMask, 0xfffn);
    assert.equal(r.perm, 3, 'leaf slpte ...003 of the IOTLB lines');
    assert.ok(r.owner.createdLine !== undefined && r.owner.createdLine > 0);
  }
  // domain and context learned from vtd_iotlb_cc_* lines (high 0x401: AW 1, domain 4)
  const st = model.deviceState('00:02.0');
  assert.equal(st?.ce?.domainId, 4);
  assert.equal(st?.ce?.levels, 3);
  assert.deepEqual(model.faults.map((f) => [f.device, f.reason, f.addr]), [['00:02.0', 6, 0xffeb8040n], ['00:02.0', 6, 0x4n], ['00:02.0', 6, 0x8n], ['00:02.0', 6, 0xcn]]);
});

test('a PSI ends a translation at its line; the guest reusing the IOVA shows up as a new GPA', () => {
  // In the capture, IOVA 0xffffa000 first maps GPA 0x2c00000, is invalidated, then maps 0x1066000.
  const first = lines.indexOf('vtd_dmar_translate dev 00:02.00 iova 0xffffa000 -> gpa 0x2c00000 mask 0xfff');
  const psi = lines.findIndex((l, i) => i > first && l === 'vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0xffffa000 mask 0x0');
  const second = lines.indexOf('vtd_dmar_translate dev 00:02.00 iova 0xffffa000 -> gpa 0x1066000 mask 0xfff');
  assert.ok(first > 0 && psi > first && second > psi, 'capture has map, PSI, remap of 0xffffa000');
  const model = new VtdModel();
  feed(model, first + 1);
  const before = model.translate('00:02.0', 0xffffa123n);
  assert.ok(before.ok);
  assert.equal(before.gpa, 0x2c0_0123n);
  // answered from QEMU's IOTLB as mirrored from the vtd_iotlb_page_update line just before
  assert.equal(before.owner.kind, 'iotlb-entry');
  assert.equal(before.owner.createdLine, first);
  const m2 = new VtdModel();
  feed(m2, psi + 1);
  const gone = m2.translate('00:02.0', 0xffffa123n);
  assert.ok(!gone.ok);
  assert.match(gone.reason, new RegExp(`-> 0x2c00000\\) ended at line ${psi + 1} \\(PSI domain 0x4 0xffffa000\\.\\.0xffffafff\\)`));
  const m3 = new VtdModel();
  feed(m3, second + 1);
  const after = m3.translate('00:02.0', 0xffffa123n);
  assert.ok(after.ok);
  assert.equal(after.gpa, 0x106_6123n);
  const hist = m3.known.history('00:02.0').filter((t) => t.iova === 0xffffa000n).map((t) => [t.gpa, t.createdLine, t.removedLine]);
  assert.deepEqual(hist[0], [0x2c0_0000n, first + 1, psi + 1]);
  assert.deepEqual(hist[hist.length - 1], [0x106_6000n, second + 1, undefined]);
});

test('before DMAR is enabled the device DMA is untranslated (nodmar), IOVA == GPA', () => {
  const model = new VtdModel();
  feed(model, 10);
  const r = model.translate('00:02.0', 0x1234_5678n);
  assert.ok(r.ok);
  assert.equal(r.gpa, 0x1234_5678n);
  assert.equal(r.owner.kind, 'viommu-bypass');
});

test('typed TraceRecords are used when present; unreadable events name their line', () => {
  const model = new VtdModel();
  feedVtdRecord(model, { kind: 'event', line: 5, offset: 0, name: 'vtd_iotlb_page_update', body: '', fields: { sid: 0x10, addr: 0x5000n, slpte: 0x9000n | 1n, domain: 3 } });
  feedVtdRecord(model, { kind: 'event', line: 6, offset: 0, name: 'vtd_dmar_translate', body: '', fields: { bus: 0, slot: 2, func: 0, iova: 0x5000n, gpa: 0x9000n, mask: 0xfffn } });
  const r = model.translate('00:02.0', 0x5010n);
  assert.ok(r.ok);
  assert.deepEqual([r.gpa, r.perm], [0x9010n, 1]);
  assert.ok(!model.translate('00:02.0', 0x5010n, 'write').ok, 'read-only leaf refuses writes');
  assert.throws(() => feedVtdEvent(model, 'vtd_dmar_translate', 77, 'dev garbage'), (e: unknown) => e instanceof VtdFeedError && /^line 77: vtd_dmar_translate: cannot read/.test(e.message));
  assert.equal(feedVtdEvent(model, 'virtio_notify', 78, 'vdev 0x1 vq 0x2'), false);
});
