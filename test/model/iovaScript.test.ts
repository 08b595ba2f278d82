import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IovaScript } from '../../src/model/iovaScript.js';
import { WORKED_EXAMPLE } from './reference/replayWorkedExample.js';

/** Run lines through a fresh interpreter; parse each answer. */
function replay(lines: string[]): unknown[] {
  const s = new IovaScript();
  return lines.map((l) => JSON.parse(s.run(l)));
}

const call = (name: string, rest: object = {}): string => JSON.stringify({ call: name, ...rest });


test('replay: the worked example answers exactly as QEMU does, byte for byte', () => {
  const s = new IovaScript();
  for (const [input, expected] of WORKED_EXAMPLE) assert.equal(s.run(input), expected);
});

test('replay: plain tree calls, QEMU return codes, null for no match, lower-case hex', () => {
  const out = replay([
    call('iova_tree_new'),
    call('iova_tree_insert', { map: { iova: '0x1000', translated_addr: '0xABC000', size: '0xfff', perm: 3 } }),
    call('iova_tree_insert', { map: { iova: '0x1800', size: '0x10', perm: 1 } }),
    call('iova_tree_insert', { map: { iova: '0x9000', size: '0xfff' } }), // perm absent = NONE
    call('iova_tree_find', { map: { iova: '0x1fff' } }),
    call('iova_tree_find', { map: { iova: '0x2000' } }),
    call('iova_tree_find_iova', { map: { translated_addr: '0xabcfff' } }),
    call('iova_tree_alloc_map', { map: { size: '0xfff', perm: '0x2' }, iova_begin: '0x1000', iova_last: '0xffffffffffffffff' }),
    call('iova_tree_alloc_map', { map: { size: '0xfff', perm: '0x0000000002' }, iova_begin: '0x2000', iova_last: '0x1fff' }),
    call('iova_tree_remove', { map: { iova: '0x1000', size: '0x0' } }),
    call('dump'),
  ]);
  assert.deepEqual(out, [
    {},
    { ret: 0 },
    { ret: -2 },
    { ret: -1 },
    { map: { iova: '0x1000', translated_addr: '0xabc000', size: '0xfff', perm: 3 } },
    { map: null },
    { map: { iova: '0x1000', translated_addr: '0xabc000', size: '0xfff', perm: 3 } },
    { ret: 0, iova: '0x2000' },
    { ret: -1 },
    {},
    { dump: { raw: [{ iova: '0x2000', translated_addr: '0x0', size: '0xfff', perm: 2 }] } },
  ]);
});

test('replay: failed alloc answers without "iova" even when QEMU already chose a hole (-2)', () => {
  const out = replay([
    call('iova_tree_new'),
    call('iova_tree_insert', { map: { iova: '0x0', size: '0x1fff', perm: 3 } }),
    call('iova_tree_alloc_map', { map: { size: '0xfff', perm: 3 }, iova_begin: '0x1000', iova_last: '0xffffffffffffffff' }),
  ]);
  assert.deepEqual(out[2], { ret: -2 });
});

test('replay: legacy vhost layout reproduces the aliasing answer and dumps one list', () => {
  const out = replay([
    call('vhost_iova_tree_new', { iova_first: '0x0', iova_last: '0xffffffffffffffff', layout: 'legacy' }),
    call('vhost_iova_tree_map_alloc', { map: { size: '0x7fffffff', perm: 3 }, taddr: '0x7f7903e00000' }),
    call('vhost_iova_tree_map_alloc', { map: { size: '0x1f7fffffff', perm: 3 }, taddr: '0x7f7983e00000' }),
    call('vhost_iova_tree_map_alloc', { map: { size: '0x1ffff', perm: 3 }, taddr: '0x7f7903ea0000' }),
    call('vhost_iova_tree_find_iova', { map: { translated_addr: '0x7f7903ea0000', size: '0x1ffff' } }),
    call('vhost_iova_tree_remove', { map: { iova: '0x1000', size: '0x7fffffff' } }),
    call('dump'),
    call('vhost_iova_tree_find_gpa', { map: { translated_addr: '0x0' } }),
  ]);
  assert.deepEqual(out[4], { map: { iova: '0x1000', translated_addr: '0x7f7903e00000', size: '0x7fffffff', perm: 3 } });
  assert.deepEqual(out[6], {
    dump: {
      raw: [
        { iova: '0x80001000', translated_addr: '0x7f7983e00000', size: '0x1f7fffffff', perm: 3 },
        { iova: '0x2000001000', translated_addr: '0x7f7903ea0000', size: '0x1ffff', perm: 3 },
      ],
    },
  });
  assert.match((out[7] as { error: string }).error, /^line 8: vhost_iova_tree_find_gpa: .*legacy layout/);
});

test('replay: current vhost dump lists the three trees, each in its own order; remove_gpa uses two key spaces', () => {
  const out = replay([
    call('vhost_iova_tree_new', { iova_first: '0x0', iova_last: '0xffffffffffffffff' }),
    call('vhost_iova_tree_map_alloc', { map: { size: '0x1fff', perm: 1 }, taddr: '0x7f0000000000' }),
    call('vhost_iova_tree_map_alloc_gpa', { map: { size: '0xfff', perm: 3 }, taddr: '0x9000' }),
    call('vhost_iova_tree_map_alloc_gpa', { map: { size: '0xfff', perm: 3 }, taddr: '0x1000' }),
    call('vhost_iova_tree_remove_gpa', { map: { iova: '0x1000', translated_addr: '0x1000', size: '0x0' } }),
    call('dump'),
  ]);
  assert.deepEqual(out.slice(1, 4), [
    { ret: 0, iova: '0x1000' },
    { ret: 0, iova: '0x3000' },
    { ret: 0, iova: '0x4000' },
  ]);
  assert.deepEqual(out[5], {
    dump: {
      taddr: [{ iova: '0x1000', translated_addr: '0x7f0000000000', size: '0x1fff', perm: 1 }],
      alloc: [
        { iova: '0x3000', translated_addr: '0x0', size: '0xfff', perm: 3 },
        { iova: '0x4000', translated_addr: '0x0', size: '0xfff', perm: 3 },
      ],
      gpa: [{ iova: '0x3000', translated_addr: '0x9000', size: '0xfff', perm: 3 }],
    },
  });
});

test('replay: every bad line gets one error line naming line and field, and the replay goes on', () => {
  const s = new IovaScript();
  const lines = [
    'not json',
    '[1,2]',
    '{"map":{}}',
    call('iova_tree_frobnicate'),
    call('iova_tree_insert', { map: { iova: '0x0', size: '0xfff', perm: 3 } }),
    call('iova_tree_new'),
    call('iova_tree_insert', { map: { iova: '4096', size: '0xfff', perm: 3 } }),
    call('iova_tree_insert', { map: { iova: '0x10000000000000000', size: '0xfff', perm: 3 } }),
    call('iova_tree_insert', { map: { iova: '0x0', size: '0xfff', perm: 4 } }),
    call('iova_tree_insert', { map: { iova: '0x0', size: '0xfff', perm: 1.5 } }),
    call('vhost_iova_tree_find_iova', { map: {} }),
    call('vhost_iova_tree_new', { layout: 'ancient' }),
    call('toString'),
    '',
    '   ',
    call('iova_tree_insert', { map: { iova: '0x0', size: '0xfff', perm: 3 } }),
  ];
  const out = lines.map((l) => s.run(l));
  assert.equal(out.length, lines.length);
  const err = (i: number): string => (JSON.parse(out[i]) as { error: string }).error;
  assert.match(err(0), /^line 1: not valid JSON/);
  assert.match(err(1), /^line 2: expected a JSON object/);
  assert.match(err(2), /^line 3: missing "call"/);
  assert.match(err(3), /^line 4: unknown call "iova_tree_frobnicate"/);
  assert.match(err(4), /^line 5: iova_tree_insert: no tree yet/);
  assert.equal(out[5], '{}');
  assert.match(err(6), /^line 7: iova_tree_insert: map\.iova: expected a "0x…" hex string, got "4096"/);
  assert.match(err(7), /^line 8: .*map\.iova: 0x10000000000000000 is larger than 2\^64-1/);
  assert.match(err(8), /^line 9: .*map\.perm: 4 is out of range 0\.\.3/);
  assert.match(err(9), /^line 10: .*map\.perm: 1\.5 is out of range/);
  assert.match(err(10), /^line 11: vhost_iova_tree_find_iova: the current tree is a plain tree/);
  assert.match(err(11), /^line 12: vhost_iova_tree_new: layout: expected "current" or "legacy"/);
  assert.match(err(12), /^line 13: unknown call "toString"/);
  assert.deepEqual([out[13], out[14]], ['{}', '{}'], 'blank lines answer {} to keep lines aligned');
  assert.equal(out[15], '{"ret":0}', 'state survived all the errors');
});
