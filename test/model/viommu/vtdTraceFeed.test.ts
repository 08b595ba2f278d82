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

test('a PSI covering a translation ends it at that line; the next vtd_dmar_translate brings it back', () => {
  // find a PSI of domain 4 at 0xffffb000 that follows a translation of that page
  const firstUse = lines.findIndex((l) => l.startsWith('vtd_dmar_translate dev 00:02.00 iova 0xffffb000'));
  const psi = lines.findIndex((l, i) => i > firstUse && l === 'vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0xffffb000 mask 0x0');
  assert.ok(firstUse > 0 && psi > firstUse, 'the capture has such a PSI');
  const model = new VtdModel();
  feed(model, psi + 1);
  const gone = model.translate('00:02.0', 0xffffb400n);
  assert.ok(!gone.ok);
  assert.match(gone.reason, new RegExp(`ended at line ${psi + 1} \\(PSI domain 0x4 0xffffb000\\.\\.0xffffbfff\\)`));
  const reuse = lines.findIndex((l, i) => i > psi && l.startsWith('vtd_dmar_translate dev 00:02.00 iova 0xffffb000'));
  feed(model, reuse + 1); // refeeding earlier lines is harmless for this check: same translations
  const back = model.translate('00:02.0', 0xffffb400n);
  assert.ok(back.ok);
  assert.equal(back.gpa, 0x1478_3400n);
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
