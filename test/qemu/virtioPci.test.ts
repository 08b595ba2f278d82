import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVirtioList, parseVirtioStatus, parseVirtQueueStatus, parseVirtQueueElement, parseVirtVhostQueueStatus } from '../../src/qemu/parse/virtio.js';
import { parsePciDevices } from '../../src/qemu/parse/pci.js';
import { parseJsonLossless } from '../../src/qemu/qmp/losslessJson.js';
import { NET_PATH, sampleAnswer, sampleReturn } from './sampleAnswers.js';

test('x-query-virtio and -status: virtio-net with ACCESS_PLATFORM negotiated', () => {
  assert.deepEqual(parseVirtioList(sampleReturn('x-query-virtio')), [{ name: 'virtio-net', path: NET_PATH }]);
  const st = parseVirtioStatus(sampleReturn(`x-query-virtio-status ${NET_PATH}`));
  assert.equal(st.name, 'virtio-net');
  assert.equal(st.deviceId, 1);
  assert.equal(st.numVqs, 3);
  assert.equal(st.vhostStarted, false);
  assert.equal(st.accessPlatform, true);
  assert.equal(st.statuses.length, 4);
  assert.equal(st.guestFeatures.unknownDevFeatures, 1099511627776n);
  assert.equal(st.hostFeatures.devFeatures[0], 'VHOST_USER_F_PROTOCOL_FEATURES: Vhost-user protocol features negotiation supported');
  assert.deepEqual(st.backendFeatures, { transports: [], devFeatures: [], unknownDevFeatures: undefined });
});

test('queue status: ring addresses of rx/tx/ctrl as the driver programmed them', () => {
  const q0 = parseVirtQueueStatus(sampleReturn(`x-query-virtio-queue-status ${NET_PATH} 0`));
  assert.equal(q0.vringDesc, 4294959104n); // 0xffffe000: an IOVA, this device sits behind VT-d
  assert.equal(q0.vringAvail, 4294963200n);
  assert.equal(q0.vringUsed, 4294963776n);
  assert.equal(q0.vringNum, 256);
  assert.equal(q0.lastAvailIdx, 11);
  assert.equal(q0.shadowAvailIdx, 263);
  // Split ring: avail follows 256 descriptors of 16 bytes.
  assert.equal(q0.vringAvail - q0.vringDesc, 256n * 16n);
  const q2 = parseVirtQueueStatus(sampleReturn(`x-query-virtio-queue-status ${NET_PATH} 2`));
  assert.equal(q2.queueIndex, 2);
  assert.equal(q2.vringNum, 64);
  assert.equal(q2.vringDesc, 4294946816n);
});

test('queue element: descriptors with addr/len/flags and ring indexes', () => {
  const e0 = parseVirtQueueElement(sampleReturn(`x-query-virtio-queue-element ${NET_PATH} 0`));
  assert.deepEqual(e0, {
    name: 'virtio-net', index: 11, descs: [{ addr: 4294881792n, len: 1536, flags: ['write'] }],
    avail: { flags: 0, idx: 263, ring: 11 }, used: { flags: 0, idx: 11 },
  });
  const e1 = parseVirtQueueElement(sampleReturn(`x-query-virtio-queue-element ${NET_PATH} 1`));
  assert.equal(e1.descs[0].addr, 4294897158n);
  assert.equal(e1.descs[0].len, 98);
});

test('u64 values beyond 2^53 stay exact (garbage descriptor from the docs)', () => {
  const e = parseVirtQueueElement(parseJsonLossless('{"index":0,"name":"x","descs":[{"addr":12055409292258155293,"len":0,"flags":["used","indirect","write"]}]}'));
  assert.equal(e.descs[0].addr, 12055409292258155293n);
  assert.equal(e.avail, undefined);
  assert.throws(() => parseVirtQueueElement(parseJsonLossless('{"index":0,"name":"x","descs":[{"addr":-1,"len":0,"flags":[]}]}')), /descs\[0\]: member "addr" should be an unsigned 64-bit integer, got -1/);
});

test('vhost queue status: the real 7.2 answer is an error, the docs example parses', () => {
  assert.deepEqual(sampleAnswer(`x-query-virtio-vhost-queue-status ${NET_PATH} 0`).error, {
    class: 'GenericError', desc: 'Error: vhost device has not started yet',
  });
  const v = parseVirtVhostQueueStatus(parseJsonLossless(
    '{"avail-phys": 5182261248, "name": "vhost-vsock", "used-phys": 5182261568, "avail-size": 262, "desc-size": 2048, "used-size": 1030, "desc": 140141413580800, "num": 128, "call": 0, "avail": 140141413582848, "desc-phys": 5182259200, "used": 140141413583168, "kick": 0}',
  ));
  assert.equal(v.desc, 140141413580800n);
  assert.equal(v.descPhys, 5182259200n);
  assert.equal(v.availSize, 6 + 2 * 128);
  assert.equal(v.usedSize, 6 + 8 * 128);
});

test('query-pci: BB:DD.F, ids, class and BARs (unassigned ROM BAR reported as -1)', () => {
  const devs = parsePciDevices(sampleReturn('query-pci'));
  assert.deepEqual(devs.map((d) => d.bdf), ['00:00.0', '00:01.0', '00:02.0', '00:1f.0', '00:1f.2', '00:1f.3']);
  const net = devs[2];
  assert.equal(net.vendor, 0x1af4);
  assert.equal(net.device, 0x1041);
  assert.equal(net.classCode, 0x0200);
  assert.equal(net.classDesc, 'Ethernet controller');
  assert.equal(net.requesterId, 0x10);
  assert.equal(net.irq, 11);
  assert.deepEqual(net.bars[1], { bar: 4, type: 'memory', address: 0xfe000000n, len: 0x4000n, prefetch: true, mem64: true });
  assert.equal(net.bars[2].bar, 6);
  assert.equal(net.bars[2].address, undefined);
  const sata = devs[4];
  assert.equal(sata.requesterId, (0x1f << 3) | 2);
  assert.deepEqual(sata.bars[0], { bar: 4, type: 'io', address: 0xc040n, len: 32n, prefetch: undefined, mem64: undefined });
});
