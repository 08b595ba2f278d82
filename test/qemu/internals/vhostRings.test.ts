// The vhost memory table, virtqueue and shadow-vring readers on scripted memory with a scripted
// debug-info layout: what they decode, and every count that does not add up refused with why.
// (Real QEMU 7.2 and 10.0 cores are read in the vDPA lab: test/lab/coreChecks.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVdpaState, readVhostMemory, readVhostVqs } from '../../../src/qemu/internals/readers/vhostRings.js';
import { LayoutCheckError } from '../../../src/qemu/internals/errors.js';
import type { InternalIovaTree } from '../../../src/model/qemuInternals.js';
import { ImageMemory } from './imageMemory.js';

type Layouts = Record<string, { size: number; fields: Record<string, number> }>;

const LAYOUTS: Layouts = {
  'struct vhost_memory': { size: 8, fields: { nregions: 0, regions: 8 } },
  'struct vhost_memory_region': { size: 32, fields: { guest_phys_addr: 0, memory_size: 8, userspace_addr: 16 } },
  'struct vhost_virtqueue': { size: 64, fields: { num: 4, desc_phys: 8, avail_phys: 16, used_phys: 24, desc_size: 32, avail_size: 36, used_size: 40 } },
  'struct vhost_vdpa': { size: 64, fields: { shadow_vqs_enabled: 0, shadow_vqs: 8, address_space_id: 16 } },
  GPtrArray: { size: 16, fields: { pdata: 0, len: 8 } },
  VhostShadowVirtqueue: { size: 48, fields: { vring: 8 } },
  'struct vring': { size: 32, fields: { num: 0, desc: 8, avail: 16, used: 24 } },
  VhostVDPAState: { size: 160, fields: { 'nc.info': 0, vhost_vdpa: 64, cvq_cmd_out_buffer: 128, status: 136 } },
};
const SYMBOLS: Record<string, bigint> = { net_vhost_vdpa_info: 0x700000n, net_vhost_vdpa_cvq_info: 0x700100n };

/** An ImageMemory that answers sizeof/offsetof from `layouts` (a field left out is one this "QEMU" lacks). */
function layoutMemory(layouts: Layouts = LAYOUTS) {
  return Object.assign(new ImageMemory(), {
    sizeOf(type: string): Promise<bigint> {
      const l = layouts[type];
      return l ? Promise.resolve(BigInt(l.size)) : Promise.reject(new Error(`no type ${type}`));
    },
    offsetOf(type: string, field: string): Promise<bigint> {
      const o = layouts[type]?.fields[field];
      return o !== undefined ? Promise.resolve(BigInt(o)) : Promise.reject(new Error(`no field ${type}.${field}`));
    },
    addressOf(symbol: string): Promise<bigint> {
      const a = SYMBOLS[symbol];
      return a !== undefined ? Promise.resolve(a) : Promise.reject(new Error(`no symbol ${symbol}`));
    },
  });
}

const refused = (re: RegExp) => (e: Error): boolean => e instanceof LayoutCheckError && re.test(e.message);

function memTable(mem: ImageMemory, regions: [bigint, bigint, bigint][], nregions = regions.length): bigint {
  const t = mem.alloc(8 + 32 * regions.length);
  t.view.setUint32(0, nregions, true);
  regions.forEach(([gpa, size, hva], i) => {
    t.view.setBigUint64(8 + 32 * i, gpa, true);
    t.view.setBigUint64(16 + 32 * i, size, true);
    t.view.setBigUint64(24 + 32 * i, hva, true);
  });
  return t.addr;
}

test('the memory table decodes every region; NULL is "none yet"', async () => {
  const mem = layoutMemory();
  const t = memTable(mem, [[0n, 0x8000000n, 0x7f0000000000n], [0x100000000n, 0x40000000n, 0x7f1000000000n]]);
  assert.deepEqual(await readVhostMemory(mem, t, 2, 'dev'), [
    { gpa: 0n, size: 0x8000000n, hva: 0x7f0000000000n },
    { gpa: 0x100000000n, size: 0x40000000n, hva: 0x7f1000000000n },
  ]);
  assert.equal(await readVhostMemory(mem, 0n, 0, 'dev'), null);
});

test('a memory table whose nregions disagrees with n_mem_sections, is huge, or wraps is refused', async () => {
  const mem = layoutMemory();
  const t = memTable(mem, [[0n, 0x1000n, 0x7f0000000000n]]);
  await assert.rejects(readVhostMemory(mem, t, 3, 'vhost-vdpa device at 0x1'), refused(/memory table of vhost-vdpa device at 0x1 .*nregions = 1 but the device has 3 memory sections/));
  const huge = memTable(mem, [], 1_000_000);
  await assert.rejects(readVhostMemory(mem, huge, 1_000_000, 'd'), refused(/nregions = 1000000 is more than any vhost backend accepts/));
  const wraps = memTable(mem, [[0xffff_ffff_ffff_f000n, 0x2000n, 0x1000n]]);
  await assert.rejects(readVhostMemory(mem, wraps, 1, 'd'), refused(/region 0 \(GPA 0xfffffffffffff000, size 0x2000.*wraps past 2\^64/));
  const empty = memTable(mem, [[0x1000n, 0n, 0x1000n]]);
  await assert.rejects(readVhostMemory(mem, empty, 1, 'd'), refused(/region 0 .* is empty/));
});

function vqArray(mem: ImageMemory, n: number): bigint {
  const a = mem.alloc(64 * n);
  for (let i = 0; i < n; i++) {
    a.view.setUint32(64 * i + 4, 256, true);
    a.view.setBigUint64(64 * i + 8, 0x7f5f000n + BigInt(i) * 0x3000n, true);
    a.view.setBigUint64(64 * i + 16, 0x7f60000n + BigInt(i) * 0x3000n, true);
    a.view.setBigUint64(64 * i + 24, 0x7f61000n + BigInt(i) * 0x3000n, true);
    a.view.setUint32(64 * i + 32, 4096, true);
    a.view.setUint32(64 * i + 36, 518, true);
    a.view.setUint32(64 * i + 40, 2054, true);
  }
  return a.addr;
}

test('virtqueues are numbered from vq_index, with the ring sizes when this QEMU keeps them', async () => {
  const mem = layoutMemory();
  const vqs = await readVhostVqs(mem, vqArray(mem, 2), 2, 4, 'd');
  assert.deepEqual(vqs[1], { index: 5, num: 256, desc: 0x7f62000n, avail: 0x7f63000n, used: 0x7f64000n, sizes: { desc: 4096, avail: 518, used: 2054 } });
  const { desc_size: _d, avail_size: _a, used_size: _u, ...older } = LAYOUTS['struct vhost_virtqueue']!.fields;
  const old = layoutMemory({ ...LAYOUTS, 'struct vhost_virtqueue': { size: 64, fields: older } });
  const [q] = await readVhostVqs(old, vqArray(old, 1), 1, 0, 'd');
  assert.equal(q!.sizes, undefined);
  assert.equal(q!.desc, 0x7f5f000n);
});

test('virtqueue counts that do not add up are refused', async () => {
  const mem = layoutMemory();
  await assert.rejects(readVhostVqs(mem, vqArray(mem, 1), 5000, 0, 'd'), refused(/nvqs = 5000 is more than virtio allows \(1024\)/));
  await assert.rejects(readVhostVqs(mem, vqArray(mem, 1), 2, 1023, 'd'), refused(/vq_index 1023 \+ nvqs 2 is outside/));
  await assert.rejects(readVhostVqs(mem, 0n, 2, 0, 'd'), refused(/nvqs = 2 but vqs is NULL/));
  const bad = vqArray(mem, 1);
  mem.images.get(bad)!.set([0, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f], 0);
  await assert.rejects(readVhostVqs(mem, bad, 1, 0, 'd'), refused(/virtqueue 0 has num = 2147483647/));
});

/** a struct vhost_vdpa with `rings` shadow vrings (desc, avail, used HVAs each) */
function vdpaImage(mem: ImageMemory, rings: [bigint, bigint, bigint][], opts: { len?: number; nullAt?: number; asid?: number } = {}): { vdpa: bigint } {
  const svqs = rings.map(([d, a, u]) => {
    const s = mem.alloc(48);
    s.view.setUint32(8, 256, true);
    s.view.setBigUint64(16, d, true);
    s.view.setBigUint64(24, a, true);
    s.view.setBigUint64(32, u, true);
    return s.addr;
  });
  const pdata = mem.alloc(8 * Math.max(1, rings.length));
  svqs.forEach((p, i) => pdata.view.setBigUint64(8 * i, i === opts.nullAt ? 0n : p, true));
  const arr = mem.alloc(16);
  arr.view.setBigUint64(0, pdata.addr, true);
  arr.view.setUint32(8, opts.len ?? rings.length, true);
  const v = mem.alloc(64);
  v.view.setUint8(0, 1);
  v.view.setBigUint64(8, arr.addr, true);
  v.view.setUint32(16, opts.asid ?? 0, true);
  return { vdpa: v.addr };
}

const TREE: InternalIovaTree = {
  layout: 'current',
  maps: [
    { iova: 0x1000n, last: 0x2fffn, taddr: 0x7f2cbc012000n, perm: 1 },
    { iova: 0x3000n, last: 0x3fffn, taddr: 0x7f2cbc011000n, perm: 3 },
    // a GPA→IOVA node whose GPA equals an SVQ HVA must not be taken for it
    { iova: 0x9000n, last: 0x9fffn, taddr: 0x7f2cbb0a2000n, gpa: 0x7f2cbb0a2000n, perm: 3 },
  ],
};

test('each shadow vring area gets the IOVA of the HVA-tree node that holds it; none when no node does', async () => {
  const mem = layoutMemory();
  const { vdpa } = vdpaImage(mem, [[0x7f2cbc012000n, 0x7f2cbc013000n, 0x7f2cbc011000n], [0x7f2cbb0a2000n, 0x7f2cbb0a3000n, 0x7f2cbc010000n]], { asid: 1 });
  const s = await readVdpaState(mem, vdpa, 2, TREE, 'd');
  assert.equal(s.asid, 1);
  assert.equal(s.shadowVqsEnabled, true);
  assert.deepEqual(s.svq[0], { index: 0, num: 256, desc: { hva: 0x7f2cbc012000n, iova: 0x1000n }, avail: { hva: 0x7f2cbc013000n, iova: 0x2000n }, used: { hva: 0x7f2cbc011000n, iova: 0x3000n } });
  assert.deepEqual(s.svq[1]!.desc, { hva: 0x7f2cbb0a2000n, iova: null });
});

test('a QEMU without address_space_id reports no ASID rather than a guessed one', async () => {
  const { address_space_id: _x, ...older } = LAYOUTS['struct vhost_vdpa']!.fields;
  const mem = layoutMemory({ ...LAYOUTS, 'struct vhost_vdpa': { size: 64, fields: older } });
  const { vdpa } = vdpaImage(mem, [[0x7f2cbc012000n, 0x7f2cbc013000n, 0x7f2cbc011000n]]);
  assert.equal((await readVdpaState(mem, vdpa, 1, TREE, 'd')).asid, null);
});

test('a shadow_vqs array whose length is not nvqs, or with a NULL element, is refused', async () => {
  const mem = layoutMemory();
  const ring: [bigint, bigint, bigint] = [0x1000n, 0x2000n, 0x3000n];
  await assert.rejects(readVdpaState(mem, vdpaImage(mem, [ring, ring]).vdpa, 3, TREE, 'vhost-vdpa device at 0x5'), refused(/shadow_vqs of vhost-vdpa device at 0x5.*holds 2 shadow virtqueues but the device has nvqs = 3/));
  await assert.rejects(readVdpaState(mem, vdpaImage(mem, [ring, ring], { nullAt: 1 }).vdpa, 2, TREE, 'd'), refused(/element 1 of 2 is NULL/));
  await assert.rejects(readVdpaState(mem, vdpaImage(mem, [ring], { len: 100_000 }).vdpa, 100_000, TREE, 'd'), refused(/holds 100000 shadow virtqueues, more than virtio allows \(1024\)/));
});

/** a VhostVDPAState with NetClientInfo `info` and CVQ buffers `cmd`/`status`; returns its embedded vhost_vdpa */
function netState(mem: ImageMemory, info: bigint, cmd: bigint, status: bigint, asid: number): bigint {
  const st = mem.alloc(160);
  st.view.setBigUint64(0, info, true);
  st.view.setUint32(64 + 16, asid, true);
  st.view.setBigUint64(128, cmd, true);
  st.view.setBigUint64(136, status, true);
  return st.addr + 64n;
}

test('the net CVQ state is reached from vhost_vdpa only when its NetClientInfo is vhost-vdpa\'s: command and status buffers with IOVAs and ASID', async () => {
  const mem = layoutMemory();
  const cvq = await readVdpaState(mem, netState(mem, SYMBOLS.net_vhost_vdpa_cvq_info!, 0x7f2cbc012000n, 0x7f2cbc011000n, 1), 1, TREE, 'd');
  assert.equal(cvq.asid, 1);
  assert.deepEqual(cvq.net, { role: 'cvq', cmd: { hva: 0x7f2cbc012000n, iova: 0x1000n }, status: { hva: 0x7f2cbc011000n, iova: 0x3000n } });
  const data = await readVdpaState(mem, netState(mem, SYMBOLS.net_vhost_vdpa_info!, 0n, 0n, 0), 2, TREE, 'd');
  assert.deepEqual(data.net, { role: 'data', cmd: null, status: null });
  // another embedder of struct vhost_vdpa (vhost-vdpa-device-pci): no NetClientInfo of ours there
  const other = await readVdpaState(mem, netState(mem, 0x123456n, 0x7f2cbc012000n, 0x7f2cbc011000n, 0), 2, TREE, 'd');
  assert.equal(other.net, undefined);
});
