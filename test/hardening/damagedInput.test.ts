// Damaged but recognisable traces (Part 7 item 5) and values no QEMU prints (Part 11): read
// where safe, reported at line and column where not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeTraceText } from '../../src/trace/analyze.js';

const RANGE = 'vhost_vdpa_get_iova_range dev: 0x55d0 first: 0x0 last: 0xffffffffff';
const ADD = 'vhost_vdpa_listener_region_add vdpa: 0x55d0 iova 0x100000 llend 0x200000 vaddr: 0x7f10 read-only: 0';
const MAP = 'vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 uaddr: 0x7f000 perm: 0x3 type: 2';

test('mail quoting, indentation and syslog prefixes before known events are read as the events', () => {
  const text = [
    '> ' + RANGE,
    '> >   719585@1608130130.441188:' + ADD,
    '    ' + MAP,
    'Dec  6 02:59:32 host qemu-system-x86_64[1234]: ' + MAP.replace('0x1000', '0x9000'),
    '> and some_quoted prose that is not an event',
  ].join('\n');
  const e = analyzeTraceText(text);
  const s = e.summary();
  assert.equal(s.events, 4);
  assert.equal(s.malformed, 0);
  assert.deepEqual([...s.byEvent.keys()].sort(), ['vhost_vdpa_dma_map', 'vhost_vdpa_get_iova_range', 'vhost_vdpa_listener_region_add']);
  assert.equal(s.liveAtEnd, 2);
});

test('a soft-wrapped line (trailing space) is joined with its continuation; a failed join is reported on its own line', () => {
  const cut = MAP.indexOf('uaddr');
  const wrapped = analyzeTraceText([RANGE, MAP.slice(0, cut), '> ' + MAP.slice(cut)].join('\n'));
  assert.equal(wrapped.summary().malformed, 0);
  assert.equal(wrapped.summary().liveAtEnd, 1);
  assert.deepEqual(wrapped.diagnostics(), []);
  const broken = analyzeTraceText([RANGE, MAP.slice(0, cut), 'something else'].join('\n'));
  assert.deepEqual(broken.diagnostics().map((d) => [d.code, d.line]), [['parse-error', 2]]);
});

test('impossible values are errors at the value, and the event is not replayed', () => {
  const e = analyzeTraceText(
    [
      'vhost_vdpa_get_iova_range dev: 0x55d0 first: 0x10000 last: 0x1000',
      'vhost_vdpa_listener_region_add vdpa: 0x55d0 iova 0x100000 llend 0x1000 vaddr: 0x7f00 read-only: 0',
      'vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x2000 uaddr: 0xfffffffffffff000 perm: 0x3 type: 2',
      'vhost_vdpa_dma_unmap vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x0 type: 3',
    ].join('\n'),
  );
  const d = e.diagnostics();
  assert.deepEqual(d.map((x) => [x.code, x.severity, x.line, x.column]), [
    ['impossible-value', 'error', 1, 60],
    ['impossible-value', 'error', 2, 65],
    ['impossible-value', 'error', 3, 78],
    ['impossible-value', 'error', 4, 80],
  ]);
  assert.match(d[2].message, /uaddr 0xfffffffffffff000 \+ size 0x2000 wraps past 2\^64/);
  assert.equal(e.summary().liveAtEnd, 0, 'the wrapping map was not replayed');
});
