import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readTrace, readTraceText } from '../../../src/trace/read/traceReader.js';
import type { TraceRecord } from '../../../src/trace/types.js';

const VTD = 'samples/qemu-7.2-vtd-net/trace.log';

const eventAt = (records: TraceRecord[], line: number) => {
  const r = records.find((x) => x.line === line);
  assert.ok(r && r.kind === 'event', `line ${line} should be an event, got ${r?.kind}`);
  return r;
};

test('every line of the real QEMU 7.2 VT-d trace parses into named fields', async () => {
  const text = readFileSync(VTD, 'utf8');
  const expectedLines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const records: TraceRecord[] = [];
  const summary = await readTrace(VTD, (r) => records.push(r));
  assert.equal(summary.format, 'text');
  assert.equal(records.length, expectedLines);
  const notEvents = records.filter((r) => r.kind !== 'event');
  assert.deepEqual(notEvents, [], 'no malformed, text or blank lines');
  const unknown = records.filter((r) => r.kind === 'event' && (!r.fields || !r.def));
  assert.equal(unknown.length, 0, 'no unknown events');
  // names come from the line itself
  const byName = new Map<string, number>();
  for (const r of records) if (r.kind === 'event') byName.set(r.name, (byName.get(r.name) ?? 0) + 1);
  assert.equal(byName.get('vtd_dmar_translate'), (text.match(/^vtd_dmar_translate /gm) ?? []).length);

  // line 261: "vtd_dmar_translate dev 00:02.00 iova 0xffffb000 -> gpa 0x14783000 mask 0xfff"
  const t = eventAt(records, 261);
  assert.equal(t.name, 'vtd_dmar_translate');
  assert.deepEqual(t.fields, { bus: 0, slot: 2, func: 0, iova: 0xffffb000n, gpa: 0x14783000n, mask: 0xfffn });
  assert.equal(t.offset, Buffer.byteLength(text.split('\n').slice(0, 260).join('\n')) + 1);
  // line 235: "vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0xffffe000 mask 0x1"
  const inv = eventAt(records, 235);
  assert.deepEqual(inv.fields, { domain: 4, addr: 0xffffe000n, mask: 1 });
  // line 259: "... bus 0x0 devfn 0x10 high 0x401 low 0x24d8001 gen 0 -> gen 1"
  assert.deepEqual(eventAt(records, 259).fields, { bus: 0, devfn: 0x10, high: 0x401n, low: 0x24d8001n, gen1: 0, gen2: 1 });
  // line 6892: a 64-bit fault record value
  assert.deepEqual(eventAt(records, 6892).fields, { index: 0, hi: 0x40ffff0600000010n, lo: 0xffeb8000n });
  // events with an empty format still print "name " and parse with no fields
  const fetch = records.find((r) => r.kind === 'event' && r.name === 'vtd_inv_qi_fetch');
  assert.ok(fetch && fetch.kind === 'event');
  assert.deepEqual(fetch.fields, {});
  assert.equal(fetch.body, '');
  // string field (descriptor type) and vring activity
  const desc = records.find((r) => r.kind === 'event' && r.name === 'vtd_inv_desc');
  assert.ok(desc && desc.kind === 'event');
  assert.equal(desc.fields?.type, 'context-cache');
  const pop = records.find((r) => r.kind === 'event' && r.name === 'virtqueue_pop');
  assert.ok(pop && pop.kind === 'event');
  assert.deepEqual(pop.fields, { vq: 0x7ff8a0c2e140n, elem: 0x562493f86320n, in_num: 1, out_num: 2 });
});

test('the lazy-fields mode gives the same kinds and the same values', async () => {
  const eager: TraceRecord[] = [];
  const lazy: TraceRecord[] = [];
  await readTrace(VTD, (r) => eager.push(r));
  await readTrace(VTD, (r) => lazy.push(r), { lazyFields: true });
  assert.equal(lazy.length, eager.length);
  for (let i = 0; i < eager.length; i++) {
    const a = eager[i];
    const b = lazy[i];
    assert.equal(b.kind, a.kind);
    if (a.kind === 'event' && b.kind === 'event') {
      assert.deepEqual(b.fields, a.fields, `line ${a.line}`);
      assert.equal(b.def, a.def);
      assert.equal(b.body, a.body);
    }
  }
});

for (const name of ['legacy', 'fixed']) {
  test(`scenario log aliased-unmap-svq-${name}: prefixes and map/unmap values`, () => {
    const text = readFileSync(`samples/aliased-unmap-svq-${name}.log`, 'utf8');
    const records = readTraceText(text);
    assert.equal(records.length, 18);
    assert.ok(records.every((r) => r.kind === 'event' && r.fields && r.prefix?.pid === 4242));
    const maps = records.filter((r) => r.kind === 'event' && r.name === 'vhost_vdpa_dma_map');
    assert.equal(maps.length, 3);
    const m = maps[2];
    assert.ok(m.kind === 'event');
    // "... asid: 0 iova: 0x2000001000 size: 0x20000 uaddr: 0x7f7903ea0000 perm: 0x3 type: 2"
    assert.deepEqual(m.fields, { vdpa: 0x55d2c1a4e2b0n, fd: 16, msg_type: 2, asid: 0, iova: 0x2000001000n, size: 0x20000n, uaddr: 0x7f7903ea0000n, perm: 3, type: 2 });
    assert.equal(m.def?.source.startsWith('builtin:qemu-9.0+:vhost-vdpa:'), true);
    const first = records[0];
    assert.ok(first.kind === 'event');
    assert.equal(first.prefix?.text, '4242@1700000000.100137:');
    assert.ok(Math.abs((first.prefix?.time ?? 0) - 1700000000.100137) < 1e-6);
    const del = records.find((r) => r.kind === 'event' && r.name === 'vhost_vdpa_listener_region_del');
    assert.ok(del && del.kind === 'event');
    assert.deepEqual(del.fields, { vdpa: 0x55d2c1a4e2b0n, iova: 0xfeda0000n, llend: 0xfedbffffn });
    const unmap = records.find((r) => r.kind === 'event' && r.name === 'vhost_vdpa_dma_unmap');
    assert.ok(unmap && unmap.kind === 'event');
    assert.equal(unmap.fields?.iova, name === 'legacy' ? 0x1000n : 0x2000001000n);
    assert.equal(unmap.fields?.size, 0x20000n);
  });
}
