// The document index: which columns hold which field, and in which address space each
// address is, checked against the text of the shipped samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTraceIndex, TraceIndexBuilder } from '../../src/server/traceIndex.js';
import { sampleIndex, sampleText, lineOf, linesOf } from './fixtures.js';

test('legacy sample, unmap line 17: the iova field covers "0x1000" and is IOVA [0x1000, 0x20fff] of ASID 0', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const iova = idx.fields(16).find((f) => f.name === 'iova');
  assert.ok(iova?.address);
  assert.equal(linesOf(idx)[16].slice(iova.start, iova.end), '0x1000');
  assert.equal(iova.address.space, 'iova');
  assert.equal(iova.address.start, 0x1000n);
  assert.equal(iova.address.last, 0x20fffn);
  assert.deepEqual(idx.contextOf(16), { asid: 0, device: '0x55d2c1a4e2b0' });
  const ev = idx.eventAt(16);
  assert.equal(linesOf(idx)[16].slice(ev!.nameStart, ev!.nameEnd), 'vhost_vdpa_dma_unmap');
});

test('legacy sample, region_add line 3: iova is a GPA up to llend (exclusive), vaddr an HVA', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const f = idx.fields(2);
  const iova = f.find((x) => x.name === 'iova')!;
  assert.equal(iova.address?.space, 'gpa');
  assert.equal(iova.address?.last, 0x7fffffffn);
  const vaddr = f.find((x) => x.name === 'vaddr')!;
  assert.equal(vaddr.address?.space, 'hva');
  assert.equal(linesOf(idx)[2].slice(vaddr.start, vaddr.end), '0x7f7903e00000');
  assert.equal(idx.fieldAt(2, vaddr.start + 3)?.name, 'vaddr');
});

test('vtd capture: every address field span reads back as the value the reader parsed', () => {
  const idx = sampleIndex('qemu-7.2-vtd-net/trace.log');
  let checked = 0;
  for (let l = 0; l < idx.lineCount; l++)
    for (const f of idx.fields(l)) {
      if (!f.address) continue;
      assert.equal(BigInt(linesOf(idx)[l].slice(f.start, f.end)), f.address.addr, `line ${l + 1} field ${f.name}`);
      checked++;
    }
  assert.ok(checked > 700, `only ${checked} address fields`);
  const line = lineOf(idx, 'vtd_dmar_translate');
  const iova = idx.fields(line - 1).find((f) => f.name === 'iova')!;
  assert.equal(iova.address?.space, 'giova');
  assert.equal(idx.contextOf(line - 1).device, '00:02.0');
});

test('the builder in slices gives the same index as one pass, CRLF and final newline handled', () => {
  const text = sampleText('aliased-unmap-svq-legacy.log').replace(/\n/g, '\r\n');
  const b = new TraceIndexBuilder('u', text);
  let slices = 0;
  while (!b.step(3)) slices++;
  const sliced = b.finish();
  const whole = buildTraceIndex('u', sampleText('aliased-unmap-svq-legacy.log'));
  assert.ok(slices >= 5);
  assert.equal(sliced.lineCount, 18);
  assert.deepEqual(linesOf(sliced), linesOf(whole));
  assert.deepEqual(sliced.engine.diagnostics(), whole.engine.diagnostics());
  assert.equal(sliced.removedAt.get(17)?.[0].createdLine, 5);
});
