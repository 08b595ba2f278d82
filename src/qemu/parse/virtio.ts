// Typed views of the x-query-virtio* answers (QEMU ≥ 7.2). Ring and buffer addresses are kept as
// the driver wrote them: GPAs without an IOMMU, IOVAs in the device's DMA address space when
// VIRTIO_F_IOMMU_PLATFORM (ACCESS_PLATFORM) is negotiated behind a vIOMMU.
import type { JsonValue } from '../qmp/losslessJson.js';
import { Shape, listOf } from './jsonShape.js';

export interface VirtioDeviceRef {
  /** Canonical QOM path of the VirtIODevice (the `.../virtio-backend` child for PCI). */
  path: string;
  name: string;
}

export interface VirtioFeatureSet {
  transports: string[];
  devFeatures: string[];
  /** Bits QEMU could not name, as a bitmap. */
  unknownDevFeatures: bigint | undefined;
}

export interface VirtioStatus {
  name: string;
  deviceId: number;
  vhostStarted: boolean;
  deviceEndian: string;
  guestFeatures: VirtioFeatureSet;
  hostFeatures: VirtioFeatureSet;
  backendFeatures: VirtioFeatureSet;
  numVqs: number;
  statuses: string[];
  isr: number;
  queueSel: number;
  vmRunning: boolean;
  broken: boolean;
  disabled: boolean;
  started: boolean;
  /** The driver negotiated ACCESS_PLATFORM: ring/buffer addresses go through the IOMMU (if any). */
  accessPlatform: boolean;
}

export interface VirtQueueStatus {
  name: string;
  queueIndex: number;
  inuse: number;
  vringNum: number;
  vringNumDefault: number;
  vringAlign: number;
  /** Descriptor / driver / device area addresses as programmed by the driver (GPA or IOVA). */
  vringDesc: bigint;
  vringAvail: bigint;
  vringUsed: bigint;
  lastAvailIdx: number | undefined;
  shadowAvailIdx: number | undefined;
  usedIdx: number;
  signalledUsed: number;
  signalledUsedValid: boolean;
}

export interface VirtioRingDesc {
  addr: bigint;
  len: number;
  flags: string[];
}

export interface VirtQueueElement {
  name: string;
  index: number;
  descs: VirtioRingDesc[];
  avail: { flags: number; idx: number; ring: number | undefined } | undefined;
  used: { flags: number; idx: number } | undefined;
}

export interface VirtVhostQueueStatus {
  name: string;
  kick: number;
  call: number;
  /** What vhost mapped: QEMU HVAs without IOMMU, the IOVA unchanged with one. */
  desc: bigint;
  avail: bigint;
  used: bigint;
  num: number;
  descPhys: bigint;
  descSize: number;
  availPhys: bigint;
  availSize: number;
  usedPhys: bigint;
  usedSize: number;
}

export function parseVirtioList(v: JsonValue): VirtioDeviceRef[] {
  return listOf('x-query-virtio', v).map((x, i) => {
    const s = Shape.of(`x-query-virtio[${i}]`, x);
    return { path: s.str('path'), name: s.str('name') };
  });
}

function features(s: Shape): VirtioFeatureSet {
  return {
    transports: s.has('transports') ? s.strings('transports') : [],
    devFeatures: s.has('dev-features') ? s.strings('dev-features') : [],
    unknownDevFeatures: s.optU64('unknown-dev-features'),
  };
}

// The decoder names the bit by its old name VIRTIO_F_IOMMU_PLATFORM; newer tables may also say
// VIRTIO_F_ACCESS_PLATFORM.
const ACCESS_PLATFORM = /^VIRTIO_F_(IOMMU|ACCESS)_PLATFORM\b/;

/** QEMU's VIRTIO_QUEUE_MAX: no virtio device has more queues. */
export const VIRTIO_QUEUE_MAX = 1024;

export function parseVirtioStatus(v: JsonValue): VirtioStatus {
  const s = Shape.of('x-query-virtio-status', v);
  const guestFeatures = features(s.sub('guest-features'));
  return {
    name: s.str('name'),
    deviceId: s.int('device-id'),
    vhostStarted: s.bool('vhost-started'),
    deviceEndian: s.str('device-endian'),
    guestFeatures,
    hostFeatures: features(s.sub('host-features')),
    backendFeatures: features(s.sub('backend-features')),
    numVqs: s.count('num-vqs', VIRTIO_QUEUE_MAX),
    statuses: s.sub('status').strings('statuses'),
    isr: s.int('isr'),
    queueSel: s.int('queue-sel'),
    vmRunning: s.bool('vm-running'),
    broken: s.bool('broken'),
    disabled: s.bool('disabled'),
    started: s.bool('started'),
    accessPlatform: guestFeatures.transports.some((t) => ACCESS_PLATFORM.test(t)),
  };
}

export function parseVirtQueueStatus(v: JsonValue): VirtQueueStatus {
  const s = Shape.of('x-query-virtio-queue-status', v);
  return {
    name: s.str('name'),
    queueIndex: s.int('queue-index'),
    inuse: s.int('inuse'),
    vringNum: s.int('vring-num'),
    vringNumDefault: s.int('vring-num-default'),
    vringAlign: s.int('vring-align'),
    vringDesc: s.u64('vring-desc'),
    vringAvail: s.u64('vring-avail'),
    vringUsed: s.u64('vring-used'),
    lastAvailIdx: s.optInt('last-avail-idx'),
    shadowAvailIdx: s.optInt('shadow-avail-idx'),
    usedIdx: s.int('used-idx'),
    signalledUsed: s.int('signalled-used'),
    signalledUsedValid: s.bool('signalled-used-valid'),
  };
}

export function parseVirtQueueElement(v: JsonValue): VirtQueueElement {
  const s = Shape.of('x-query-virtio-queue-element', v);
  const descs = s.list('descs').map((d, i) => {
    const ds = Shape.of(`x-query-virtio-queue-element.descs[${i}]`, d);
    return { addr: ds.u64('addr'), len: ds.int('len'), flags: ds.strings('flags') };
  });
  let avail: VirtQueueElement['avail'];
  if (s.has('avail')) {
    const a = s.sub('avail');
    avail = { flags: a.int('flags'), idx: a.int('idx'), ring: a.optInt('ring') };
  }
  let used: VirtQueueElement['used'];
  if (s.has('used')) {
    const u = s.sub('used');
    used = { flags: u.int('flags'), idx: u.int('idx') };
  }
  return { name: s.str('name'), index: s.int('index'), descs, avail, used };
}

export function parseVirtVhostQueueStatus(v: JsonValue): VirtVhostQueueStatus {
  const s = Shape.of('x-query-virtio-vhost-queue-status', v);
  return {
    name: s.str('name'),
    kick: s.int('kick'),
    call: s.int('call'),
    desc: s.u64('desc'),
    avail: s.u64('avail'),
    used: s.u64('used'),
    num: s.int('num'),
    descPhys: s.u64('desc-phys'),
    descSize: s.int('desc-size'),
    availPhys: s.u64('avail-phys'),
    availSize: s.int('avail-size'),
    usedPhys: s.u64('used-phys'),
    usedSize: s.int('used-size'),
  };
}
