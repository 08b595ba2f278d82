// Diagnostics, go to definition and references on the shipped samples and fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DiagnosticSeverity } from 'vscode-languageserver';
import { diagnostics } from '../../src/server/diagnostics.js';
import { definition } from '../../src/server/definition.js';
import { references } from '../../src/server/references.js';
import { buildTraceIndex } from '../../src/server/traceIndex.js';
import { sampleIndex, at, linesOf } from './fixtures.js';

const lines = (locs: { range: { start: { line: number } } }[]) => locs.map((l) => l.range.start.line + 1);

test('diagnostics: aliased-unmap on line 17 as an error on its event name, related lines 15, 11, 5, 13', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const d = diagnostics(idx).find((x) => x.code === 'aliased-unmap');
  assert.ok(d);
  assert.equal(d.severity, DiagnosticSeverity.Error);
  // on the event name: a hover on the line's addresses shows their chain, not the message again
  const name = linesOf(idx)[16].indexOf('vhost_vdpa_dma_unmap');
  assert.deepEqual(d.range, { start: { line: 16, character: name }, end: { line: 16, character: name + 'vhost_vdpa_dma_unmap'.length } });
  // Problems shows the headline as the row, the detail under it
  assert.equal(d.message.split('\n')[0], "Unmap removed another region's mapping: IOVA [0x1000, 0x20fff]");
  assert.deepEqual(d.relatedInformation?.map((r) => r.location.range.start.line + 1), [15, 11, 5, 13]);
  assert.ok(d.relatedInformation?.every((r) => r.location.uri === idx.uri));
  const leak = diagnostics(idx).find((x) => x.code === 'leak-at-end');
  assert.equal(leak?.range.start.line, 12);
});

test('diagnostics: a parse error starts at the column the reader names', () => {
  const idx = buildTraceIndex('u', 'vhost_vdpa_dma_unmap vdpa_shared:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0xzz size: 0x1000 type: 3\n');
  const d = diagnostics(idx);
  assert.equal(d.length, 1);
  assert.equal(d[0].code, 'parse-error');
  // the value that does not parse starts right after "iova: 0x"
  assert.equal(d[0].range.start.character, linesOf(idx)[0].indexOf('zz'));
});

test('definition: the unmap of line 17 goes to the map it removes (line 5)', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  assert.deepEqual(lines(definition(idx, at(idx, 17, '0x1000'))), [5]);
  assert.deepEqual(lines(definition(idx, at(idx, 17, 'vhost_vdpa_dma_unmap'))), [5]);
});

test('definition: region_del goes to its region_add; an address goes to the map it uses', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  assert.deepEqual(lines(definition(idx, at(idx, 15, 'vhost_vdpa_listener_region_del'))), [11]);
  // uaddr of the map of line 9 is high RAM, whose section was added on line 7
  assert.deepEqual(lines(definition(idx, at(idx, 9, '0x7f7983e00000'))), [7]);
});

test('definition: a DMA fault goes to the invalidation that removed the translation', () => {
  const text = readFileSync('test/fixtures/traces/dma-fault.log', 'utf8');
  const idx = buildTraceIndex('u', text);
  const inv = linesOf(idx).findIndex((l) => l.startsWith('vtd_inv_desc_iotlb_pages')) + 1;
  const fault = linesOf(idx).findIndex((l) => l.startsWith('vtd_dmar_fault')) + 1;
  assert.ok(inv > 0 && fault > inv);
  assert.deepEqual(lines(definition(idx, at(idx, fault, '0xffeb8040'))), [inv]);
});

test('references of the unmapped IOVA: the map of line 5 and the unmap of line 17, not the ASID-0 high maps', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const refs = references(idx, at(idx, 17, '0x1000'));
  assert.deepEqual(lines(refs), [5, 17]);
  assert.equal(linesOf(idx)[4].slice(refs[0].range.start.character, refs[0].range.end.character), '0x1000');
  // the region's GPA range is referenced by its region_add and region_del
  assert.deepEqual(lines(references(idx, at(idx, 15, '0xfeda0000'))), [11, 15]);
});

test('references in IOVA space ignore other ASIDs', () => {
  const mk = (asid: number, iova: string) =>
    `vhost_vdpa_dma_map vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: ${asid} iova: ${iova} size: 0x1000 uaddr: 0x7f0000000000 perm: 0x3 type: 2`;
  const idx = buildTraceIndex('u', [mk(0, '0x1000'), mk(1, '0x1000'), mk(0, '0x1800')].join('\n'));
  assert.deepEqual(lines(references(idx, at(idx, 1, '0x1000'))), [1, 3]);
});

test('diagnostics: a file opened as a trace that holds no trace event says so on its first line', () => {
  const source = readFileSync('src/server/diagnostics.ts', 'utf8');
  const idx = buildTraceIndex('u', '\n' + source);
  const d = diagnostics(idx).filter((x) => x.code === 'no-trace-events');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.range.start.line, 1);
  assert.match(d[0]!.message, /^No QEMU trace event in this file\n/);
  // a real trace never gets it
  assert.equal(diagnostics(sampleIndex('aliased-unmap-svq-legacy.log')).filter((x) => x.code === 'no-trace-events').length, 0);
});
