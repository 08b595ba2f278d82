// Hovers as a user reads them: the legacy aliasing bug explained on its unmap line, the GPA QEMU
// printed for a VT-d translation, an event's definition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hover } from '../../src/server/hover.js';
import { buildTraceIndex } from '../../src/server/traceIndex.js';
import { sampleIndex, at, lineOf, readable, linesOf } from './fixtures.js';

const text = (h: ReturnType<typeof hover>): string => {
  assert.ok(h, 'no hover');
  return readable((h.contents as { value: string }).value);
};

test('legacy sample, hover on the unmap iova (line 17): the removed map of line 5 and the IOVA it should have been', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const h = hover(idx, at(idx, 17, '0x1000 size'));
  const md = text(h);
  assert.match(md, /IOVA `0x1000`/);
  // the map this unmap removes: created at line 5, IOVA [0x1000, 0x80000fff], guest RAM GPA [0x0, 0x7fffffff]
  assert.match(md, /This line removes the mapping:\*\*\n- IOVA \[0x1000, 0x80000fff\][^\n]*GPA \[0x0, 0x7fffffff\][^\n]*mapped at \[line 5\]/);
  // before the unmap the address still went to low RAM
  assert.match(md, /Before this line[\s\S]*HVA `0x7f7903e00000`/);
  // after it, nothing
  assert.match(md, /0x1000 is not mapped in IOVA ASID 0/);
  // the problem by its headline: VS Code shows its message in the same hover, once
  assert.match(md, /Problems on this line:\*\*\n- error `aliased-unmap`: Unmap removed another region's mapping: IOVA \[0x1000, 0x20fff\]$/m);
  assert.doesNotMatch(md, /should have been/);
  // the chain comes before the problem
  assert.ok(md.indexOf('**As of') < md.indexOf('Problems on this line'));
  assert.equal(h!.range!.start.character, linesOf(idx)[16].indexOf('0x1000 size'));
});

test('vtd capture: hover on a vtd_dmar_translate iova gives the GPA QEMU printed on that line', () => {
  const idx = sampleIndex('qemu-7.2-vtd-net/trace.log');
  const line = lineOf(idx, 'vtd_dmar_translate');
  const printed = /iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)/.exec(linesOf(idx)[line - 1])!;
  const md = text(hover(idx, at(idx, line, printed[1])));
  assert.match(md, /guest IOVA `0x[0-9a-f]+`\*\* — field `iova` of `vtd_dmar_translate` \(device 00:02\.0\)/);
  // the chain starts at the printed iova and its GPA hop is the printed gpa (page offset kept)
  const iova = BigInt(printed[1]);
  const gpa = BigInt(printed[2]) + (iova & BigInt(printed[3]));
  assert.match(md, new RegExp(`1\\. guest IOVA \`${printed[1]}\`\\n2\\. GPA \`0x${gpa.toString(16)}\``));
});

test('hover on an offset inside a page keeps the offset through the vIOMMU hop', () => {
  const idx = buildTraceIndex('', 'vtd_dmar_translate dev 00:02.00 iova 0xffffb000 -> gpa 0x14783000 mask 0xfff\nvtd_dmar_fault sid 0x10 fault 6 addr 0xffffb123 write 0\n');
  const md = text(hover(idx, at(idx, 2, '0xffffb123')));
  assert.match(md, /2\. GPA `0x14783123`[^\n]*mapped at line 1/);
});

test('hover on an event name: definition, format and effect on the model', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const md = text(hover(idx, at(idx, 17, 'vhost_vdpa_dma_unmap')));
  assert.match(md, /vhost_vdpa_dma_unmap\(void \* ?vdpa, int fd, uint32_t msg_type, uint32_t asid, uint64_t iova, uint64_t size, uint8_t type\)/);
  assert.match(md, /Format `"vdpa_shared:%p[^\n]*`, from the built-in catalog of vhost-vdpa events for QEMU 9\.0 and later/);
  assert.doesNotMatch(md, /builtin:/);
  assert.match(md, /VHOST_IOTLB_INVALIDATE/);
});

test('no hover on non-address fields, prefixes or text lines', () => {
  const idx = buildTraceIndex('', '4242@1700000000.100137:vhost_vdpa_get_iova_range dev: 0x55d2c1c0a650 first: 0x0 last: 0xffffffffffffffff\nqemu-system-x86_64: oops\n');
  assert.equal(hover(idx, { line: 0, character: 2 }), null);
  assert.equal(hover(idx, at(idx, 1, '0x55d2c1c0a650')), null);
  assert.equal(hover(idx, { line: 1, character: 3 }), null);
  assert.ok(hover(idx, at(idx, 1, '0xffffffffffffffff')));
});

test('hover on a GPA no table of the trace covers says so instead of calling it unmapped', () => {
  const idx = buildTraceIndex('', 'vtd_dmar_translate dev 00:02.00 iova 0xffffb000 -> gpa 0x14783000 mask 0xfff\n');
  const md = text(hover(idx, at(idx, 1, '0x14783000')));
  assert.match(md, /^\*\*GPA `0x14783000`\*\*/);
  assert.match(md, /No listener section or vhost memory table seen by line 1 covers GPA 0x14783000/);
});

test('a hostile region name in the trace reaches the hover as text: no image, link or HTML', () => {
  const name = '![x](https://evil.example/p.png)<img src=x onerror=alert(1)>[click](command:workbench.action.terminal.new)';
  const idx = buildTraceIndex('', `vhost_region_add_section ${name}: 0x0+0x1000 @ 0x7f0000000000\nvhost_vdpa_dma_map vdpa_shared:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0x0 size: 0x1000 uaddr: 0x7f0000000000 perm: 0x3 type: 2\n`);
  const h = hover(idx, at(idx, 1, '0x0+'));
  assert.ok(h, 'no hover on the section GPA');
  const raw = (h.contents as { value: string }).value;
  // the name is there, as the characters QEMU printed
  assert.ok(readable(raw).includes(name), readable(raw));
  // and nothing markdown or HTML would act on: outside backslash escapes, no image, link, tag or URL
  const active = raw.replace(/\\[!-/:-@[-`{-~]/g, '');
  assert.doesNotMatch(active, /!\[|\]\(|<|https:|command:/);
});
