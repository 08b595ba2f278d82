import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sniffTrace } from '../../../src/trace/read/contentSniff.js';

const ROOT = join(__dirname, '../../..');
const head = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8').slice(0, 8192);

test('the bundled samples are traces by their content (TID@SEC.USEC: prefix and bare names)', () => {
  for (const f of ['samples/aliased-unmap-svq-legacy.log', 'samples/aliased-unmap-svq-fixed.log', 'samples/qemu-7.2-vtd-net/trace.log']) {
    assert.equal(sniffTrace(head(f)).trace, true, f);
  }
});

test('ISO-8601 and ftrace trace_marker prefixes count, after leading blank lines', () => {
  const iso = '\n\n2025-09-10T12:34:56.123456Z vhost_vdpa_dma_map vdpa_shared:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 uaddr: 0x7f0000000000 perm: 0x3 type: 2\n';
  assert.equal(sniffTrace(iso).trace, true);
  const ftrace = '  qemu-system-x86-4242  [001] .... 12345.678901: tracing_mark_write: vtd_iotlb_cc_hit bus 0x0 devfn 0x10 high 0x102 low 0x4000000000000001 gen 0\n';
  assert.equal(sniffTrace(ftrace).trace, true);
});

test('non-trace logs stay what they are', () => {
  const build = 'make[1]: Entering directory /src/qemu\n  CC      hw/virtio/vhost-vdpa.o\n  LINK    qemu-system-x86_64\nmake[1]: Leaving directory /src/qemu\n';
  assert.equal(sniffTrace(build).trace, false);
  const kernel = '[    0.000000] Linux version 6.1.0-18-amd64\n[    0.000000] Command line: console=ttyS0\n[    0.004000] DMAR: IOMMU enabled\n';
  assert.equal(sniffTrace(kernel).trace, false);
  // identifiers that look like event names but none QEMU has: not a trace
  assert.equal(sniffTrace('foo_bar started\nfoo_bar done\nbaz_qux x: 1\n').trace, false);
  // one trace line quoted in a mostly prose file: not a trace
  const prose = 'We saw this line:\nvhost_vdpa_dma_unmap vdpa:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 type: 3\nand then the guest hung.\nIt took hours.\n';
  assert.equal(sniffTrace(prose).trace, false);
  assert.equal(sniffTrace('').trace, false);
  assert.equal(sniffTrace(readFileSync(join(ROOT, 'src/trace/read/contentSniff.ts'), 'utf8')).trace, false);
});

test('only the head is looked at: a trace that turns to prose later is still a trace', () => {
  const trace = readFileSync(join(ROOT, 'samples/aliased-unmap-svq-legacy.log'), 'utf8');
  const r = sniffTrace(trace + '\nsome prose afterwards\n'.repeat(50));
  assert.equal(r.trace, true);
  assert.ok(r.lines <= 12 && r.known >= 1);
});
