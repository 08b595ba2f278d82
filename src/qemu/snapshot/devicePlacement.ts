// Where a virtio device sits: which PCI function carries it (VT-d picks the context entry by
// bus/devfn) and whether its bus-master FlatView is rooted at a VT-d `-dmar` region, i.e. the
// guest switched DMA remapping on for it. QEMU 7.2 names those regions `vtd-SS.F-dmar` (slot and
// function only), so the view is found by that name plus a bus-master address space in it.
import type { PciBdf } from '../../model/pciAddress.js';
import type { FlatView } from '../parse/mtreeFlat.js';
import type { PciDevice } from '../parse/pci.js';
import type { VirtioDeviceRef } from '../parse/virtio.js';

const VIRTIO_VENDOR = 0x1af4;
/** Modern virtio-pci device ids are 0x1040 + the virtio device id; 0x1000-0x103f are transitional. */
const isVirtioPci = (d: PciDevice, deviceId: number | undefined): boolean =>
  d.vendor === VIRTIO_VENDOR && (deviceId === undefined ? d.device >= 0x1000 && d.device <= 0x107f : d.device === 0x1040 + deviceId || (d.device >= 0x1000 && d.device <= 0x103f));

export interface PciMatch {
  device: PciDevice | undefined;
  problem?: string;
}

/**
 * The PCI function of a virtio device: by qdev id when it has one, else by the proxy's devfn
 * (qom-get addr), else the only virtio function with the device's id.
 */
export function matchVirtioPci(ref: VirtioDeviceRef, devfn: number | undefined, deviceId: number | undefined, pci: PciDevice[]): PciMatch {
  const id = /^\/machine\/peripheral\/([^/]+)\/virtio-backend$/.exec(ref.path)?.[1];
  if (id !== undefined) {
    const byId = pci.filter((d) => d.qdevId === id);
    if (byId.length === 1) return { device: byId[0] };
  }
  let found = pci.filter((d) => isVirtioPci(d, deviceId));
  if (devfn !== undefined) found = found.filter((d) => ((d.slot << 3) | d.function) === devfn);
  if (found.length === 1) return { device: found[0] };
  const how = devfn !== undefined ? `devfn ${(devfn >> 3).toString(16).padStart(2, '0')}.${devfn & 7}` : `virtio device id ${deviceId ?? '?'}`;
  return {
    device: undefined,
    problem: found.length === 0 ? `no PCI function found for ${ref.path} (${how})` : `${found.length} PCI functions match ${ref.path} (${how}: ${found.map((d) => d.bdf).join(', ')}); cannot tell which`,
  };
}

export interface DmaView {
  root: string;
  /** Root is a VT-d -dmar region: DMA goes through the vIOMMU's translation. */
  translated: boolean;
}

/** The bus-master FlatView of the device at `bdf` when the vIOMMU translates for it. */
export function dmaViewOf(views: FlatView[], bdf: PciBdf): DmaView | undefined {
  const want = `vtd-${bdf.slot.toString(16).padStart(2, '0')}.${bdf.fn.toString(16)}-dmar`;
  const hits = views.filter((v) => v.rootRegion === want && v.addressSpaces.some((a) => a.name !== 'vtd-root'));
  if (hits.length >= 1) return { root: want, translated: true };
  return undefined;
}
