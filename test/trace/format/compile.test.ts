import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEvent, EventDefError } from '../../../src/trace/format/compile.js';
import { renderEventBody } from '../../../src/trace/format/render.js';
import type { EventDef } from '../../../src/trace/types.js';

const def = (name: string, args: string, format: string): EventDef => ({
  name,
  args: args
    ? args.split(',').map((a) => {
        const m = /^(.*[\s*])(\w+)$/.exec(a.trim())!;
        return { type: m[1].trim(), name: m[2] };
      })
    : [],
  format,
  source: 'test:1',
});

const ok = (d: EventDef, body: string) => {
  const r = compileEvent(d).match(body);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(body)} to match: column ${r.index + 1}: ${r.reason}`);
  return r.fields;
};

test('u64, pointer and hwaddr values become exact bigints, small ints numbers, bool booleans', () => {
  const d = def('vhost_vdpa_dma_map', 'void *vdpa, int fd, uint32_t asid, uint64_t iova, uint64_t size, uint8_t perm, bool ro',
    'vdpa:%p fd: %d asid: %u iova: 0x%llx size: 0x%llx perm: 0x%hhx ro: %d');
  const f = ok(d, 'vdpa:0x55d2c1a4e2b0 fd: -16 asid: 1 iova: 0xfffffffffffff000 size: 0x1000 perm: 0x3 ro: 1');
  assert.deepEqual(f, { vdpa: 0x55d2c1a4e2b0n, fd: -16, asid: 1, iova: 0xfffffffffffff000n, size: 0x1000n, perm: 3, ro: true });
  // glibc prints a NULL %p as (nil)
  assert.equal(ok(d, 'vdpa:(nil) fd: 0 asid: 0 iova: 0x0 size: 0x0 perm: 0x0 ro: 0').vdpa, 0n);
});

test('inttypes macros left in the format (%"PRIx64" and %" PRIx64 ") are understood', () => {
  const d = def('e', 'uint64_t a, uint32_t b', 'a 0x%"PRIx64" b %" PRIu32 "!');
  assert.deepEqual(ok(d, 'a 0xdeadbeef00 b 42!'), { a: 0xdeadbeef00n, b: 42 });
});

test('a value above 2^64-1 is a mismatch, 2^64-1 itself is exact', () => {
  const d = def('e', 'uint64_t last', 'last: 0x%llx');
  assert.equal(ok(d, 'last: 0xffffffffffffffff').last, 18446744073709551615n);
  const c = compileEvent(d);
  const r = c.match('last: 0x1ffffffffffffffff');
  assert.equal(r.ok, false);
  assert.equal(r.ok ? -1 : r.index, 8);
  assert.equal(c.test('last: 0x1ffffffffffffffff'), 8);
  assert.equal(c.test('last: 0xffffffffffffffff'), -1);
});

test('zero-padded, space-padded and alternate-form conversions, %% and %c', () => {
  const d = def('vtd_dmar_translate', 'uint8_t bus, uint8_t slot, uint8_t func, int w, unsigned v, char c',
    'dev %02x:%02x.%02x w=[%5d] 100%% v=%#x c=%c');
  assert.deepEqual(ok(d, 'dev 00:1f.07 w=[  -12] 100% v=0x1a c=Z'), { bus: 0, slot: 0x1f, func: 7, w: -12, v: 0x1a, c: 90 });
  assert.equal(ok(d, 'dev 00:1f.07 w=[    3] 100% v=0 c=Z').v, 0);
});

test('strings with spaces are anchored by the literal text after them', () => {
  const ops = def('memory_region_ops_read', 'int cpu_index, void *mr, uint64_t addr, uint64_t value, unsigned size, const char *name',
    "cpu %d mr %p addr 0x%llx value 0x%llx size %u name '%s'");
  const f = ok(ops, "cpu 0 mr 0x562fdfbb3820 addr 0x3cc value 0x67 size 1 name 'vga ioports remapped'");
  assert.equal(f.name, 'vga ioports remapped');
  assert.equal(f.addr, 0x3ccn);
  // the anchor text may appear inside the string: the matcher tries the next occurrence
  const sec = def('vhost_region_add_section', 'const char *name, uint64_t gpa, uint64_t size, uint64_t host', '%s: 0x%llx+0x%llx @ 0x%llx');
  const g = ok(sec, '0000:00:02.0 BAR 2: 0xmmio: 0xfe000000+0x1000 @ 0x7f00000000');
  assert.equal(g.name, '0000:00:02.0 BAR 2: 0xmmio');
  assert.equal(g.gpa, 0xfe000000n);
  assert.equal(g.host, 0x7f00000000n);
});

test('a mismatch reports where (0-based index in the body) and why', () => {
  const d = def('vhost_vdpa_dma_unmap', 'void *vdpa, int fd, uint32_t asid, uint64_t iova',
    'vdpa_shared:%p fd: %d asid: %u iova: 0x%llx');
  const c = compileEvent(d);
  const body = 'vdpa_shared:0x1 fd: 16 iova: 0x1000';
  const r = c.match(body);
  assert.equal(r.ok, false);
  if (r.ok) return;
  // "asid: " was expected right after "fd: 16 "
  assert.equal(r.index, body.indexOf('iova'));
  assert.match(r.reason, /expected " asid: "|expected "asid: "/);
  const bad = c.match('vdpa_shared:0x1 fd: 16 asid: 0 iova: 0xZZ');
  assert.equal(bad.ok ? -1 : bad.index, 'vdpa_shared:0x1 fd: 16 asid: 0 iova: 0x'.length);
  const trailing = c.match('vdpa_shared:0x1 fd: 16 asid: 0 iova: 0x10 extra');
  assert.equal(trailing.ok ? -1 : trailing.index, 'vdpa_shared:0x1 fd: 16 asid: 0 iova: 0x10'.length);
  const lead = c.match('vdpa:0x1 fd: 16 asid: 0 iova: 0x10');
  assert.equal(lead.ok ? -1 : lead.index, 4);
});

test('format and arguments that disagree are rejected at compile time', () => {
  assert.throws(() => compileEvent(def('e', 'int a, int b', '%d')), EventDefError);
  assert.throws(() => compileEvent(def('e', 'const char *s', '%d')), /string argument/);
  assert.throws(() => compileEvent(def('e', 'int a', '%*d')), EventDefError);
});

test('render prints values back the way QEMU would, and the matcher reads them again', () => {
  const d = def('vhost_vdpa_dma_map', 'void *vdpa, int fd, uint64_t iova, uint8_t perm, const char *name, uint8_t bus, int neg',
    'vdpa:%p fd: %d iova: 0x%llx perm: 0x%hhx name %s: dev %02x n %d');
  const fields = { vdpa: 0x7f00n, fd: 16, iova: 0xffffffffffffffffn, perm: 3, name: 'pc.ram', bus: 5, neg: -1 };
  const body = renderEventBody(d, fields);
  assert.equal(body, 'vdpa:0x7f00 fd: 16 iova: 0xffffffffffffffff perm: 0x3 name pc.ram: dev 05 n -1');
  assert.deepEqual(ok(d, body), fields);
  assert.equal(renderEventBody(d, { ...fields, vdpa: 0n }).slice(0, 10), 'vdpa:(nil)');
});
