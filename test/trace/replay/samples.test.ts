// The shared captures in samples/: the aliased-unmap pair (scenarios §1) and the real QEMU 7.2
// VT-d capture (scenarios §5). What they must give is fixed by the scenarios, not by the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyze, brief, lineOf, problems, sample } from './fixtures.js';

test('samples/aliased-unmap-svq-legacy.log: aliased-unmap error at the unmap on line 17', async () => {
  const engine = await analyze(sample('aliased-unmap-svq-legacy.log'));
  const diags = engine.diagnostics();
  const aliased = diags.filter((d) => d.code === 'aliased-unmap');
  assert.deepEqual(brief(aliased), ['aliased-unmap error 17']);
  assert.match(lineOf(sample('aliased-unmap-svq-legacy.log'), 17), /vhost_vdpa_dma_unmap .* iova: 0x1000 size: 0x20000/);
  const d = aliased[0];
  // explain it: the maps overlapping in HVA and the IOVA it should have been
  assert.match(d.message, /HVA \[0x7f7903ea0000, 0x7f7903ebffff\]/);
  assert.match(d.message, /\[0x7f7903e00000, 0x7f7983dfffff\]/);
  assert.match(d.message, /IOVA \[0x2000001000, 0x2000020fff\]/);
  assert.deepEqual(d.related.map((r) => r.line), [15, 11, 5, 13]);
  // the real window's map stays forever (scenarios §1): reported as a leak, nothing else
  assert.deepEqual(brief(diags), ['leak-at-end warning 13', 'aliased-unmap error 17']);
});

test('samples/aliased-unmap-svq-fixed.log: no warning or error', async () => {
  const engine = await analyze(sample('aliased-unmap-svq-fixed.log'));
  assert.deepEqual(brief(problems(engine.diagnostics())), []);
  assert.equal(engine.summary().malformed, 0);
});

test('samples/qemu-7.2-vtd-net/trace.log: every line parses (0 unknown, 0 malformed)', async () => {
  const file = sample('qemu-7.2-vtd-net/trace.log');
  const engine = await analyze(file);
  const s = engine.summary();
  const nonBlank = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
  assert.equal(s.lines, 6935);
  assert.equal(s.events, nonBlank, 'every non-blank line is an event');
  assert.equal(s.unknownEvents, 0);
  assert.equal(s.malformed, 0);
  assert.equal(s.byEvent.get('vtd_dmar_translate'), 746);
  assert.equal(s.byEvent.get('vtd_inv_desc_iotlb_pages'), 531);
  assert.deepEqual(s.viommuDevices, ['00:02.0']);
});

test('samples/qemu-7.2-vtd-net/trace.log: each of the 4 vtd_dmar_fault lines gets a dma-fault explaining it, nothing else', async () => {
  const file = sample('qemu-7.2-vtd-net/trace.log');
  const text = readFileSync(file, 'utf8').split('\n');
  const faultLines = text.flatMap((l, i) => (l.startsWith('vtd_dmar_fault ') ? [i + 1] : []));
  assert.equal(faultLines.length, 4);
  const diags = (await analyze(file)).diagnostics();
  assert.deepEqual(brief(diags), faultLines.map((n) => `dma-fault error ${n}`));
  // the first fault hits a page the guest invalidated (PSI, mask 0) before the device read it
  const [first, ...rest] = diags;
  const psi = first.related[0].line;
  assert.match(text[psi - 1], /^vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0xffeb8000 mask 0x0$/);
  assert.ok(psi < first.line);
  assert.match(first.message, /0xffeb8040/);
  const translated = first.related[1].line;
  assert.match(text[translated - 1], /^vtd_dmar_translate dev 00:02\.00 iova 0xffeb8000 -> gpa 0x147a8000 mask 0xfff$/);
  // the last three read addresses 0x4, 0x8, 0xc: ring addresses left at 0 after the link went down
  for (const [d, addr] of rest.map((x, i) => [x, ['0x4', '0x8', '0xc'][i]] as const)) {
    assert.match(d.message, new RegExp(`guest IOVA ${addr} `));
    assert.match(d.message, /never mapped/);
  }
});

test('a "# …" comment header is not a trace line: it is text, and the diagnostics shift with it', async () => {
  const { analyzeTraceText } = await import('../../../src/trace/analyze.js');
  const body = readFileSync(sample('aliased-unmap-svq-legacy.log'), 'utf8');
  const engine = analyzeTraceText('# aliased unmap, legacy layout\n# see scenarios.md section 1\n' + body);
  const s = engine.summary();
  assert.deepEqual([s.lines, s.events, s.unknownEvents, s.malformed], [20, 18, 0, 0]);
  assert.deepEqual(brief(engine.diagnostics()), ['leak-at-end warning 15', 'aliased-unmap error 19']);
});
