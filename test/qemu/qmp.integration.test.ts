// Live QEMU 7.2 guest: QMP client, HMP passthrough and every parser against real answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGuest, type Guest } from '../harness/guest.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { flatViewsOf, systemMemoryView, findFlatRange } from '../../src/qemu/parse/mtreeFlat.js';
import { addressSpaceSection } from '../../src/qemu/parse/mtreeTree.js';
import { HmpError, QmpCommandError } from '../../src/qemu/errors.js';
import { rejectionGuard } from './fakePeers.js';

const guard = rejectionGuard();
let guest: Guest;
let mon: QemuMonitor;

before(async () => {
  guest = await startGuest();
  console.log(`# guest booted to its ready marker in ${guest.bootMs?.toFixed(0)} ms (TCG)`);
  mon = new QemuMonitor(await QmpClient.connect(`unix:${guest.qmpPath}`));
});

after(async () => {
  mon?.qmp.close();
  await guest?.dispose();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

test('query-version and query-status on the live guest', async () => {
  const v = await mon.queryVersion();
  assert.equal(v.major, 7);
  assert.deepEqual(mon.qmp.version, v);
  assert.deepEqual(await mon.queryStatus(), { running: true, status: 'running' });
});

test('info mtree -f: system memory has 512 MiB of pc.ram below 4G; virtio devices DMA through VT-d', async () => {
  const views = await mon.mtreeFlat();
  const mem = systemMemoryView(views);
  const low = findFlatRange(mem, 0x1000n)!;
  assert.equal(low.name, 'pc.ram');
  assert.equal(low.kind, 'ram');
  const top = findFlatRange(mem, 0x1fff_ffffn)!;
  assert.equal(top.name, 'pc.ram');
  assert.equal(top.last, 0x1fff_ffffn); // -m 512
  assert.equal(top.offset + (top.last - top.start), 0x1fff_ffffn);
  assert.equal(findFlatRange(mem, 0x2000_0000n), undefined);
  assert.equal(findFlatRange(mem, 0xfed90000n)!.name, 'intel_iommu');
  for (const dev of ['virtio-net-pci', 'virtio-blk-pci']) {
    const [dma] = flatViewsOf(views, dev);
    assert.ok(dma, `flat view for ${dev}`);
    // The guest enabled DMA remapping (intel_iommu=on): the bus-master view is the -dmar region.
    assert.match(dma.rootRegion ?? '', /^vtd-[0-9a-f]{2}\.[0-7]-dmar$/);
    assert.equal(dma.ranges[0].kind, 'iommu');
  }
  const tree = await mon.mtree();
  assert.match(addressSpaceSection(tree, 'virtio-blk-pci')!.roots[0].children[0].alias!.target, /^vtd-[0-9a-f]{2}\.[0-7]$/);
});

test('info ramblock and gpa2hva agree on where pc.ram lives in QEMU', async () => {
  const blocks = await mon.ramBlocks();
  const ram = blocks.find((b) => b.name === 'pc.ram')!;
  assert.equal(ram.usedLen, 512n << 20n);
  const views = await mon.mtreeFlat();
  const gpa = 0x0123_4000n;
  const range = findFlatRange(systemMemoryView(views), gpa)!;
  const offsetInRam = range.offset + (gpa - range.start);
  const a = await mon.gpa2hva(gpa);
  assert.equal(a.region, ram.name);
  if (ram.hva !== undefined) {
    assert.equal(a.hva, ram.hva + offsetInRam); // QEMU ≥ 8.0 prints the HVA column
  } else {
    // 7.2: no HVA column; the block is one mapping, so HVAs move with GPAs inside it.
    const b = await mon.gpa2hva(gpa + 0x10_0000n);
    assert.equal(b.hva - a.hva, 0x10_0000n);
    const base = await mon.gpa2hva(0n);
    assert.equal(a.hva - base.hva, offsetInRam);
  }
  // The VT-d registers are MMIO, and between RAM and the MMCFG window nothing is mapped.
  await assert.rejects(mon.gpa2hva(0xfed90000n), (e: unknown) => e instanceof HmpError && /Memory at address 0xfed90000 ?is not RAM/.test(e.message));
  await assert.rejects(mon.gpa2hva(0xf000_0000n), (e: unknown) => e instanceof HmpError && /No memory is mapped at address 0xf0000000/.test(e.message));
});

test('x-query-virtio finds virtio-net and virtio-blk with ACCESS_PLATFORM and live queues', async () => {
  const devs = await mon.virtioDevices();
  const names = devs.map((d) => d.name).sort();
  assert.deepEqual(names, ['virtio-blk', 'virtio-net']);
  for (const d of devs) {
    assert.match(d.path, /\/virtio-backend$/);
    const st = await mon.virtioStatus(d.path);
    assert.equal(st.name, d.name);
    assert.equal(st.accessPlatform, true);
    assert.ok(st.statuses.some((s) => s.startsWith('VIRTIO_CONFIG_S_DRIVER_OK')), `${d.name} driver ok`);
    const q0 = await mon.virtQueueStatus(d.path, 0);
    assert.equal(q0.queueIndex, 0);
    assert.ok(q0.vringNum > 0);
    assert.notEqual(q0.vringDesc, 0n);
    // Modern split ring: the driver area follows num descriptors of 16 bytes.
    assert.equal(q0.vringAvail - q0.vringDesc, BigInt(q0.vringNum) * 16n);
    const el = await mon.virtQueueElement(d.path, 0);
    assert.equal(el.name, d.name);
    assert.ok(el.descs.length >= 1);
    await assert.rejects(mon.virtVhostQueueStatus(d.path, 0), (e: unknown) => e instanceof QmpCommandError && /vhost device has not started/.test(e.message));
  }
  await assert.rejects(mon.virtioStatus('/machine'), (e: unknown) => e instanceof QmpCommandError && /is not a VirtIODevice/.test(e.message));
});

test('query-pci lists both virtio devices (1af4:1041 net, 1af4:1042 blk) with their BARs', async () => {
  const devs = await mon.queryPci();
  const net = devs.find((d) => d.vendor === 0x1af4 && d.device === 0x1041)!;
  const blk = devs.find((d) => d.vendor === 0x1af4 && d.device === 0x1042)!;
  assert.ok(net && blk);
  assert.match(net.bdf, /^00:[0-9a-f]{2}\.0$/);
  assert.ok(blk.bars.some((b) => b.type === 'memory' && b.mem64 === true && b.address !== undefined));
  assert.equal(blk.requesterId, (blk.bus << 8) | (blk.slot << 3) | blk.function);
  const props = await mon.qomList('/machine');
  assert.ok(props.some((p) => p.name === 'peripheral-anon' && p.type.startsWith('child<')));
});

test('xp reads guest-physical memory (VT-d VER register = 1.0); holes and unknown commands become HmpError', async () => {
  const ver = await mon.xp(0xfed90000n, 4);
  assert.deepEqual([...ver], [0x10, 0, 0, 0]);
  await assert.rejects(mon.xp(0xf000_0000n, 8), /guest-physical 0xf0000000: Cannot access memory/);
  await assert.rejects(mon.hmp('no-such-command'), /unknown command: 'no-such-command'/);
});
