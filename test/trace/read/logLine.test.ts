import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTraceText } from '../../../src/trace/read/traceReader.js';
import { EventCatalog, loadTraceEvents } from '../../../src/trace/catalog/eventCatalog.js';
import type { TraceRecord } from '../../../src/trace/types.js';

const one = (line: string, opts = {}): TraceRecord => {
  const r = readTraceText(line, opts);
  assert.equal(r.length, 1);
  return r[0];
};
const ev = (line: string, opts = {}) => {
  const r = one(line, opts);
  assert.ok(r.kind === 'event', `expected an event, got ${r.kind}${r.kind === 'malformed' ? ': ' + r.reason : ''}`);
  return r;
};

test('each version of vhost_vdpa_dma_map / dma_unmap parses with its own definition', () => {
  const v90 = ev('vhost_vdpa_dma_map vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 1 iova: 0x1000 size: 0x2000 uaddr: 0x7f0000000000 perm: 0x1 type: 2');
  assert.match(v90.def!.source, /^builtin:qemu-9\.0\+:vhost-vdpa:/);
  assert.equal(v90.fields!.asid, 1);
  const v80 = ev('vhost_vdpa_dma_map vdpa:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 uaddr: 0x7f0000000000 perm: 0x3 type: 2');
  assert.match(v80.def!.source, /^builtin:qemu-8\.0-8\.2:vhost-vdpa:/);
  assert.equal(v80.fields!.uaddr, 0x7f0000000000n);
  const v72 = ev('vhost_vdpa_dma_map vdpa:0x55d2c1a4e2b0 fd: 16 msg_type: 2 iova: 0x1000 size: 0x2000 uaddr: 0x7f0000000000 perm: 0x3 type: 2');
  assert.match(v72.def!.source, /^builtin:qemu--7\.2:vhost-vdpa:/);
  assert.equal('asid' in v72.fields!, false);
  assert.equal(v72.fields!.size, 0x2000n);

  const u90 = ev('vhost_vdpa_dma_unmap vdpa_shared:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 type: 3');
  assert.match(u90.def!.source, /qemu-9\.0\+/);
  const u80 = ev('vhost_vdpa_dma_unmap vdpa:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 type: 3');
  assert.match(u80.def!.source, /qemu-8\.0-8\.2/);
  const u72 = ev('vhost_vdpa_dma_unmap vdpa:0x1 fd: 16 msg_type: 2 iova: 0x1000 size: 0x2000 type: 3');
  assert.match(u72.def!.source, /qemu--7\.2/);
  assert.deepEqual(u72.fields, { vdpa: 1n, fd: 16, msg_type: 2, iova: 0x1000n, size: 0x2000n, type: 3 });

  const del = ev('vhost_vdpa_listener_region_del vdpa: 0x55d2c1a4e2b0 iova 0x0 llend 0xffffffffffffffff');
  assert.equal(del.fields!.llend, 0xffffffffffffffffn);
  const un90 = ev('vhost_vdpa_listener_region_add_unaligned vdpa_shared: 0x1 region pc ram offset_within_address_space 100 offset_within_region 4096');
  assert.deepEqual(un90.fields, { v: 1n, name: 'pc ram', offset_as: 100n, offset_page: 4096n });
  const un80 = ev('vhost_vdpa_listener_region_del_unaligned vdpa: 0x1 region pc.ram offset_within_address_space 7 offset_within_region 8');
  assert.match(un80.def!.source, /qemu-8\.0-8\.2/);
});

test('user trace-events files take precedence over the built-ins for the same name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-te-'));
  try {
    const path = join(dir, 'trace-events');
    writeFileSync(path, [
      '# my patched QEMU',
      'vhost_vdpa_dma_map(void *vdpa, uint64_t iova, uint64_t size, bool shadow) "vdpa:%p iova: 0x%"PRIx64" size: 0x%"PRIx64" shadow: %d"',
      'broken(int a) "%d %d"',
    ].join('\n'));
    const { catalog, problems } = await loadTraceEvents([path, join(dir, 'missing')]);
    assert.deepEqual(problems.map((p) => p.source), [`${path}:3`, join(dir, 'missing')]);
    const mine = ev('vhost_vdpa_dma_map vdpa:0x10 iova: 0x2000 size: 0x1000 shadow: 1', { catalog });
    assert.equal(mine.def!.source, `${path}:2`);
    assert.deepEqual(mine.fields, { vdpa: 0x10n, iova: 0x2000n, size: 0x1000n, shadow: true });
    // the built-in shapes still apply to lines the user's definition does not fit
    const builtin = ev('vhost_vdpa_dma_map vdpa_shared:0x1 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 uaddr: 0x7f00 perm: 0x3 type: 2', { catalog });
    assert.match(builtin.def!.source, /^builtin:/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('log prefixes: TID@SEC.USEC:, ISO-8601 UTC with and without (tid), none', () => {
  const a = ev('719585@1608130130.441188:memory_region_ops_read cpu 0 mr 0x562fdfbb3820 addr 0x3cc value 0x67 size 1');
  assert.equal(a.prefix?.pid, 719585);
  assert.ok(Math.abs(a.prefix!.time! - 1608130130.441188) < 1e-6);
  // the old format without the region name
  assert.match(a.def!.source, /qemu--5\.x:memory/);
  assert.equal(a.fields!.value, 0x67n);

  const b = ev('2025-09-10T12:34:56.123456Z vhost_vdpa_listener_commit vdpa_shared:0x1 fd: 31 msg_type: 2 type: 6');
  assert.equal(b.prefix?.text, '2025-09-10T12:34:56.123456Z');
  assert.equal(b.prefix?.pid, undefined);
  assert.ok(Math.abs(b.prefix!.time! - (Date.UTC(2025, 8, 10, 12, 34, 56) / 1000 + 0.123456)) < 1e-6);

  const c = ev('2025-09-10T12:34:56.123456Z (4242) virtio_set_status vdev 0x5624944821d0 val 15');
  assert.equal(c.prefix?.pid, 4242);
  assert.deepEqual(c.fields, { vdev: 0x5624944821d0n, val: 15 });

  const d = ev('2025-09-10T14:34:56+02:00 virtio_set_status vdev 0x1 val 0');
  assert.equal(d.prefix?.time, Date.UTC(2025, 8, 10, 12, 34, 56) / 1000);
});

test('ftrace lines (trace_marker) carry comm, tid, cpu and time', () => {
  const a = ev('  qemu-system-x86-4242  [003] d..1.  1234.567890: tracing_mark_write: vtd_inv_desc_iotlb_domain iotlb invalidate whole domain 0x2');
  assert.deepEqual(a.fields, { domain: 2 });
  assert.equal(a.prefix?.comm, 'qemu-system-x86');
  assert.equal(a.prefix?.pid, 4242);
  assert.equal(a.prefix?.cpu, 3);
  assert.equal(a.prefix?.time, 1234.56789);
  const b = ev('CPU 0/KVM-4250 (4242) [000] .... 1.000000: tracing_mark_write: virtio_queue_notify vdev 0x1 n 2 vq 0x3');
  assert.equal(b.prefix?.comm, 'CPU 0/KVM');
  assert.deepEqual(b.fields, { vdev: 1n, n: 2, vq: 3n });
  const c = ev('qemu-4242 [001] 55.5: print: tracing_mark_write: virtio_notify vdev 0x1 vq 0x2');
  assert.equal(c.name, 'virtio_notify');
  // a kernel event in the same stream is not a QEMU trace event
  assert.equal(one('  vhost-4242  [001] .... 12.000001: kvm_exit: reason EPT_VIOLATION').kind, 'text');
});

test('non-trace lines become text or blank records, unknown event-like names events without fields', () => {
  const lines = [
    'qemu-system-x86_64: -netdev vhost-vdpa,vhostdev=/dev/vhost-vdpa-0: Could not open',
    '+ echo starting',
    '$ ./qemu-system-x86_64 -trace vhost_vdpa_*',
    '',
    '   ',
    '[    1.234567] virtio_net virtio0 eth0: renamed',
    'Hello world',
    '2025-09-10T12:34:56.000001Z qemu-system-x86_64: warning: host doesn\'t support feature',
    'vhost_vdpa_future_event vdpa:0x1 something new',
    '4242@1700000000.000001:SomeEvent with a prefix',
    'single_word_at_end',
  ];
  const r = readTraceText(lines.join('\n'));
  assert.deepEqual(r.map((x) => x.kind), ['text', 'text', 'text', 'blank', 'blank', 'text', 'text', 'text', 'event', 'event', 'text']);
  assert.deepEqual(r.map((x) => x.line), lines.map((_, i) => i + 1));
  const isoText = r[7];
  assert.ok(isoText.kind === 'text');
  assert.equal(isoText.text, "qemu-system-x86_64: warning: host doesn't support feature");
  assert.ok(isoText.prefix?.time);
  const unknown = r[8];
  assert.ok(unknown.kind === 'event');
  assert.equal(unknown.name, 'vhost_vdpa_future_event');
  assert.equal(unknown.fields, undefined);
  assert.equal(unknown.def, undefined);
  assert.equal(unknown.body, 'vdpa:0x1 something new');
});

test('a known event whose text does not fit any of its formats is malformed, with the column in the line', () => {
  const line = '4242@1700000000.100685:vhost_vdpa_dma_map vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x10g0 size: 0x1000 uaddr: 0x7f00 perm: 0x3 type: 2';
  const r = one(line);
  assert.ok(r.kind === 'malformed');
  assert.equal(r.name, 'vhost_vdpa_dma_map');
  assert.equal(r.prefix?.pid, 4242);
  // column (1-based, in the whole line) of the 'g' that stops the hex number
  assert.equal(r.column, line.indexOf('g0 size') + 1);
  assert.match(r.reason, /closest of 3 formats: builtin:qemu-9\.0\+/);
  const s = one('vtd_dmar_translate dev 00:02.00 iova 0xffffb000 => gpa 0x14783000 mask 0xfff');
  assert.ok(s.kind === 'malformed');
  assert.equal(s.column, 'vtd_dmar_translate dev 00:02.00 iova 0xffffb000 '.length + 1);
  assert.match(s.reason, /expected "-> gpa 0x"/);
  const cut = one('vtd_dmar_translate dev 00:02.00 iova 0xffffb000');
  assert.ok(cut.kind === 'malformed');
  assert.match(cut.reason, /end of line/);
});

test('pre-7.0 VT-d decimal-after-0x domains: hex by default, decimal with vtdDecimalDomain', () => {
  const line = 'vtd_page_walk_one domain 0x10 iova 0x1000 -> gpa 0x2000 mask 0xfff perm 3';
  const modern = ev(line);
  assert.equal(modern.fields!.domain, 16);
  const old = ev(line, { vtdDecimalDomain: true });
  assert.equal(old.fields!.domain, 10);
  assert.match(old.def!.source, /qemu--6\.2:vtd/);
  // a value that cannot be decimal still parses (as hex) in the old mode
  assert.equal(ev('vtd_translate_pt source id 0x1f, iova 0x1000', { vtdDecimalDomain: true }).fields!.sid, 0x1f);
  assert.equal(EventCatalog.builtin({ vtdDecimalDomain: true }).lookup('vtd_page_walk_one')?.length, 2);
});
