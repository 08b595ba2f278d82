import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTraceEvents } from '../../../src/trace/format/traceEvents.js';

test('trace-events: comments, groups, properties, void and pasted inttypes macros', () => {
  const text = [
    '# See docs/devel/tracing.rst for the syntax',
    '',
    '# vhost-vdpa.c',
    'vhost_vdpa_dma_unmap(void *vdpa, int fd, uint32_t msg_type, uint32_t asid, uint64_t iova, uint64_t size, uint8_t type) "vdpa_shared:%p fd: %d msg_type: %"PRIu32" asid: %"PRIu32" iova: 0x%"PRIx64" size: 0x%"PRIx64" type: %"PRIu8',
    'disable vtd_inv_qi_fetch(void) ""',
    'vcpu guest_thing(const char *name, bool on) "%s on=%d"',
    '  vhost_region_add_section_merge(const char *name, uint64_t new_size, uint64_t gpa, uint64_t owr) "%s: size: 0x%"PRIx64 " gpa: 0x%"PRIx64 " owr: 0x%"PRIx64',
  ].join('\n');
  const r = parseTraceEvents(text, 'hw/virtio/trace-events');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.defs.map((d) => d.name), ['vhost_vdpa_dma_unmap', 'vtd_inv_qi_fetch', 'guest_thing', 'vhost_region_add_section_merge']);
  const unmap = r.defs[0];
  assert.equal(unmap.source, 'hw/virtio/trace-events:4');
  assert.equal(unmap.args.length, 7);
  assert.deepEqual(unmap.args[0], { type: 'void *', name: 'vdpa' });
  assert.deepEqual(unmap.args[4], { type: 'uint64_t', name: 'iova' });
  // the macros are pasted into plain conversions, as the C preprocessor would
  assert.equal(unmap.format, 'vdpa_shared:%p fd: %d msg_type: %u asid: %u iova: 0x%llx size: 0x%llx type: %hhu');
  assert.deepEqual(r.defs[1].args, []);
  assert.equal(r.defs[1].format, '');
  assert.deepEqual(r.defs[2].args[0], { type: 'const char *', name: 'name' });
  assert.equal(r.defs[3].format, '%s: size: 0x%llx gpa: 0x%llx owr: 0x%llx');
  assert.equal(r.defs[3].source, 'hw/virtio/trace-events:7');
});

test('trace-events: malformed definitions are reported with path:line and parsing goes on', () => {
  const text = [
    'good_one(int a) "a %d"',
    'no_format(int a)',
    'bad name(int a) "x %d"',
    'too_few(int a, int b) "only %d"',
    'unterminated(int a) "a %d',
    'weird_macro(uint64_t a) "a %"PRIz64',
    'bogus_prop good(int a) "%d"',
    'dup_arg(int a, int a) "%d %d"',
    'good_two(uint64_t addr) "addr 0x%"PRIx64',
  ].join('\r\n');
  const r = parseTraceEvents(text, 'my-events');
  assert.deepEqual(r.defs.map((d) => d.name), ['good_one', 'good_two']);
  assert.deepEqual(r.problems.map((p) => p.source), ['my-events:2', 'my-events:3', 'my-events:4', 'my-events:5', 'my-events:6', 'my-events:7', 'my-events:8']);
  assert.match(r.problems[0].message, /missing format/);
  assert.match(r.problems[2].message, /1 conversions but the event has 2 arguments/);
  assert.match(r.problems[3].message, /unterminated/);
  assert.match(r.problems[4].message, /PRIz64/);
  assert.match(r.problems[5].message, /unknown property "bogus_prop"/);
  assert.match(r.problems[6].message, /appears twice/);
});
