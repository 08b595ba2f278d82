// QEMU's internals as a resolve source in every space: device IOVAs through the vhost-vdpa IOVA
// trees (7.2's one tree of HVA maps; 10.x's HVA tree plus GPA tree), guest IOVAs through the
// VT-d IOTLB, and one number answered in every space it means something in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QemuInternals } from '../../src/model/qemuInternals.js';
import { internalsSource, resolveInternalsEverywhere } from '../../src/model/internalsSource.js';
import { resolve } from '../../src/model/resolve.js';

const HOST = 0x7f0000000000n;
const base = (vhost: QemuInternals['vhost'], vtd: QemuInternals['vtd'] = null): QemuInternals => ({
  pid: 1,
  stoppedMs: 0,
  ramBlocks: [{ name: 'pc.ram', offset: 0n, usedLength: 0x8000000n, maxLength: 0x8000000n, host: HOST }],
  addressSpaces: [{ name: 'memory', ranges: [{ start: 0n, last: 0x7ffffffn, region: 'pc.ram', offsetInRegion: 0n, hva: HOST, ram: true, readonly: false, romd: false }] }],
  vtd,
  vhost,
});

// 7.2: one tree; guest RAM mapped at IOVA 0x1000 by its HVA, an SVQ vring at IOVA 0x9000000
const legacy = base([
  {
    backend: 'vdpa',
    started: true,
    iovaTree: {
      layout: 'legacy',
      maps: [
        { iova: 0x1000n, last: 0x8000fffn, taddr: HOST, perm: 3 },
        { iova: 0x9000000n, last: 0x9000fffn, taddr: 0x7f1000000000n, perm: 1 },
      ],
    },
  },
]);

test('legacy tree: IOVA → HVA → GPA through the map holding it, and back from the GPA', () => {
  const live = { live: internalsSource(legacy) };
  const r = resolve('iova', 0x2345n, live);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.hops.map((h) => [h.space, h.addr]), [['iova', 0x2345n], ['hva', HOST + 0x1345n], ['gpa', 0x1345n]]);
  assert.match(r.hops[0]!.owner!, /^vhost-vdpa IOVA tree \(vhost device 0\) map IOVA \[0x1000, 0x8000fff\] → HVA 0x7f0000000000$/);
  assert.equal(r.hops[0]!.perm, 3);
  const back = resolve('gpa', 0x1345n, live);
  assert.deepEqual(back.hops.map((h) => [h.space, h.addr]), [['gpa', 0x1345n], ['hva', HOST + 0x1345n], ['iova', 0x2345n]]);
});

test('an SVQ vring map: IOVA → HVA outside guest RAM (the chain stops at the HVA)', () => {
  const r = resolve('iova', 0x9000010n, { live: internalsSource(legacy) });
  assert.deepEqual(r.hops.map((h) => [h.space, h.addr]), [['iova', 0x9000010n], ['hva', 0x7f1000000010n]]);
  assert.equal(r.hops[0]!.perm, 1);
});

test('an IOVA in no map, and a QEMU with no tree at all: the error says which', () => {
  assert.match(resolve('iova', 0x8001000n, { live: internalsSource(legacy) }).error!, /^IOVA 0x8001000 is in no map of QEMU's vhost-vdpa IOVA tree \(2 maps\)$/);
  assert.match(resolve('iova', 0x1000n, { live: internalsSource(base([{ backend: 'vdpa', started: true, iovaTree: null }])) }).error!, /no vhost-vdpa device uses shadow virtqueues/);
  assert.match(resolve('iova', 0x1000n, { live: internalsSource(base([])) }).error!, /no vhost devices/);
});

test('current layout (10.x): a GPA-tree map goes IOVA → GPA → HVA; a tree shared by two vhost_devs counts once', () => {
  const tree = {
    layout: 'current' as const,
    maps: [
      { iova: 0x1000n, last: 0x8000fffn, taddr: 0n, gpa: 0n, perm: 3 },
      { iova: 0x8001000n, last: 0x8001fffn, taddr: 0x7f1000000000n, perm: 3 },
    ],
  };
  const s = base([
    { backend: 'vdpa', started: true, iovaTree: tree },
    { backend: 'vdpa', started: true, iovaTree: tree },
  ]);
  const r = resolve('iova', 0x2000n, { live: internalsSource(s) });
  assert.deepEqual(r.hops.map((h) => [h.space, h.addr]), [['iova', 0x2000n], ['gpa', 0x1000n], ['hva', HOST + 0x1000n]]);
  assert.match(r.hops[1]!.owner!, /→ GPA 0x0$/);
  // GPA → IOVA through the GPA tree, not through the HVA tree
  const g = resolve('gpa', 0x1000n, { live: internalsSource(s) });
  assert.equal(g.alternatives.length + 1, 2, 'gpa→hva and gpa→iova→… are both chains');
  const chains = [g.hops, ...g.alternatives].map((c) => c.map((h) => h.space).join('>'));
  assert.ok(chains.includes('gpa>iova'), chains.join(' | '));
  assert.match(resolve('iova', 0x9000000n, { live: internalsSource(s) }).error!, /\(2 maps\)/, 'the shared tree\'s maps once');
});

test('one number in every space: GPA, HVA, device IOVA and guest IOVA of the device whose IOTLB entry covers it', () => {
  const vtd = { iotlb: [{ domain: 1, iova: 0x2000n, gpa: 0x5000n, perm: 3, sid: 0x0018, mask: ~0xfffn & 0xffff_ffff_ffff_ffffn }] };
  const all = resolveInternalsEverywhere(base(legacy.vhost, vtd), 0x2010n);
  assert.deepEqual(all.map((a) => `${a.hops[0]!.space}${a.hops[0]!.device ? `(${a.hops[0]!.device})` : ''}:${a.hops.map((h) => h.addr.toString(16)).join('>')}`), [
    // guest RAM is mapped in the device's IOVA space too: the chain goes on to the HVA's IOVA
    'gpa:2010>7f0000002010>3010',
    'iova:2010>7f0000001010>1010',
    'giova(00:03.0):2010>5010>7f0000005010>6010',
  ]);
  const none = resolveInternalsEverywhere(base([], vtd), 0x9000000n);
  assert.equal(none.length, 1);
  assert.match(none[0]!.error!, /^0x9000000 is no GPA in a FlatView range, no HVA of guest RAM, IOVA 0x9000000: QEMU holds no vhost-vdpa IOVA tree \(no vhost devices\), and in no VT-d IOTLB entry \(1 cached\)$/);
});
