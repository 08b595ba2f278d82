import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMtreeTree, addressSpaceSection, memoryRegionSection } from '../../src/qemu/parse/mtreeTree.js';
import { sampleText } from './sampleAnswers.js';

const sections = parseMtreeTree(sampleText('info mtree'));

test('7.2 tree: address spaces sharing a root are one section with all names', () => {
  const mem = addressSpaceSection(sections, 'memory')!;
  assert.deepEqual(mem.names, ['cpu-memory-0', 'memory']);
  assert.equal(mem.roots.length, 1);
  const system = mem.roots[0];
  assert.equal(system.name, 'system');
  assert.equal(system.last, 0xffff_ffff_ffff_ffffn);
  // ram-below-4g is an alias of pc.ram at offset 0, 512 MiB long.
  const below = system.children[0];
  assert.equal(below.name, 'ram-below-4g');
  assert.deepEqual(below.alias, { target: 'pc.ram', offset: 0n, targetLast: 0x1fffffffn });
  assert.equal(below.last, 0x1fffffffn);
  const pci = system.children[1];
  assert.equal(pci.name, 'pci');
  assert.equal(pci.priority, -1);
  const virtioPci = pci.children.find((c) => c.name === 'virtio-pci')!;
  assert.deepEqual(virtioPci.children.map((c) => c.name), [
    'virtio-pci-common-virtio-net', 'virtio-pci-isr-virtio-net', 'virtio-pci-device-virtio-net', 'virtio-pci-notify-virtio-net',
  ]);
  const isaBios = pci.children.find((c) => c.name === 'isa-bios')!;
  assert.deepEqual(isaBios.alias, { target: 'pc.bios', offset: 0x20000n, targetLast: 0x3ffffn });
  assert.equal(isaBios.type, 'rom');
  const kvmvapic = system.children.find((c) => c.name === 'kvmvapic-rom')!;
  assert.equal(kvmvapic.priority, 1000);
});

test('device DMA: virtio-net-pci bus master aliases vtd-02.0, whose child is the -dmar IOMMU region', () => {
  const net = addressSpaceSection(sections, 'virtio-net-pci')!;
  const bm = net.roots[0];
  assert.equal(bm.name, 'bus master container');
  assert.equal(bm.children[0].name, 'bus master');
  assert.equal(bm.children[0].alias!.target, 'vtd-02.0');
  const vtd = memoryRegionSection(sections, 'vtd-02.0')!;
  const dmar = vtd.roots[0].children[0];
  assert.equal(dmar.name, 'vtd-02.0-dmar');
  assert.equal(dmar.kind, 'iommu');
  assert.equal(dmar.children[0].alias!.target, 'vtd-ir');
  assert.equal(dmar.children[0].start, 0xfee00000n);
  // A bus-master space with nothing under it (bus mastering never enabled).
  assert.deepEqual(addressSpaceSection(sections, 'VGA')!.roots[0].children, []);
});

test('tree extras: [disabled], owners and bad indentation', () => {
  const text = [
    'address-space: pci-dev',
    '  0000000000000000-ffffffffffffffff (prio 0, i/o): bus master container',
    '    0000000000000000-ffffffffffffffff (prio 0, i/o): alias bus master @system 0000000000000000-ffffffffffffffff [disabled]',
    '    00000000000e8000-00000000000ebfff (prio 1, i/o): alias pam-rom @pc.ram 00000000000e8000-00000000000ebfff [disabled] owner:{dev id=x}',
    '',
  ].join('\r\n');
  const [s] = parseMtreeTree(text);
  const [a, b] = s.roots[0].children;
  assert.equal(a.disabled, true);
  assert.equal(a.alias!.target, 'system');
  assert.equal(b.name, 'pam-rom');
  assert.equal(b.disabled, true);
  assert.equal(b.owner, 'owner:{dev id=x}');
  assert.throws(
    () => parseMtreeTree('address-space: x\n  0000000000000000-0000000000000fff (prio 0, i/o): a\n        0000000000000000-0000000000000fff (prio 0, i/o): b\n'),
    /info mtree, line 3: indentation jumps to level 4 under level 1/,
  );
});
