// The look-ahead's wiring: which frames it speaks at, which plain reads of the frame's arguments it
// asks (the names QEMU's region_del and find_iova use), and one paragraph per distinct live tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLookAheadFrame, lookAhead } from '../../src/extension/frameAhead.js';
import type { QemuInternals } from '../../src/model/qemuInternals.js';
import type { QemuMemory } from '../../src/qemu/internals/index.js';

const RAM_HVA = 0x7f0000000000n;
const tree = {
  layout: 'legacy' as const,
  maps: [
    { iova: 0x1000n, last: 0x80000fffn, taddr: RAM_HVA, perm: 1 },
    { iova: 0x80001000n, last: 0x80020fffn, taddr: RAM_HVA + 0xa0000n, perm: 1 },
  ],
};
// two vhost_devs of one vhost-vdpa device share the tree: said once
const internals: QemuInternals = { pid: 1, stoppedMs: 0, ramBlocks: [], addressSpaces: [], vtd: null, vhost: [{ backend: 'vdpa', started: true, iovaTree: tree }, { backend: 'vdpa', started: true, iovaTree: tree }] };

const frame = (values: Record<string, bigint>): QemuMemory & { asked: string[] } => {
  const asked: string[] = [];
  const no = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    pid: 1,
    asked,
    sizeOf: no,
    offsetOf: no,
    addressOf: no,
    read: no,
    evaluate(expr: string) {
      asked.push(expr);
      return expr in values ? Promise.resolve(values[expr]!) : Promise.reject(new Error(`No symbol in ${expr}`));
    },
  };
};

test('only region_del and find_iova frames are looked ahead at', () => {
  assert.ok(isLookAheadFrame('vhost_vdpa_listener_region_del'));
  assert.ok(isLookAheadFrame('vhost_iova_tree_find_iova'));
  assert.ok(!isLookAheadFrame('vhost_vdpa_listener_region_add'));
  assert.ok(!isLookAheadFrame(undefined));
});

test('at region_del: the section is read from the frame and the aliased unmap is said before it happens', async () => {
  const f = frame({
    'section->offset_within_address_space': 0xfeda0000n,
    'section->size': 0x20000n,
    'section->offset_within_region': 0xa0000n,
    'section->readonly': 0n,
    'section->mr->ram': 1n,
    'section->mr->ram_block': 0x55550000n,
    'section->mr->ram_block->host': RAM_HVA,
  });
  const said = await lookAhead('vhost_vdpa_listener_region_del', f, internals);
  assert.match(said!, /^at vhost_vdpa_listener_region_del \(legacy tree\): QEMU's lookup \(vhost_iova_tree_find_iova, by HVA\) returns the map IOVA \[0x1000, 0x80000fff\]/);
  assert.match(said!, /2 maps hold this section's HVA/);
  assert.equal(said!.split('\n').filter((l) => l.startsWith('at ')).length, 1, 'the shared tree once');
});

test('at find_iova: the needle is the frame\'s map; a frame whose arguments cannot be read says so', async () => {
  const said = await lookAhead('vhost_iova_tree_find_iova', frame({ 'map->translated_addr': RAM_HVA + 0xa0000n, 'map->size': 0x1fffn }), internals);
  assert.match(said!, /vhost_iova_tree_find_iova\(HVA 0x7f00000a0000 \+0x1fff\) will return the map IOVA \[0x1000, 0x80000fff\]/);
  assert.match((await lookAhead('vhost_iova_tree_find_iova', frame({}), internals))!, /cannot read the frame's arguments \(No symbol in map->translated_addr\)/);
  assert.match((await lookAhead('vhost_iova_tree_find_iova', frame({}), { ...internals, vhost: [] }))!, /QEMU holds no vhost-vdpa IOVA tree/);
});
