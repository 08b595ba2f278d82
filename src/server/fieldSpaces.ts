// Which address space each address-carrying field of an event is in, and how far it reaches.
// The event and field name decide it (a dma_map's iova is a device IOVA of its ASID, a
// region_add's iova is a GPA …); a field not listed here is not an address.
import type { FieldValue } from '../trace/types.js';
import type { Space } from '../trace/replay/spaces.js';
import { formatBdf, sidToBdf } from '../model/pciAddress.js';
import { U64_MAX } from '../model/u64.js';
import { pointerText } from '../trace/replay/fields.js';

/** How a field's range continues past its value. */
export type Extent =
  /** another field holds the length in bytes */
  | { len: string }
  /** another field holds the inclusive last address */
  | { last: string }
  /** another field holds the exclusive end */
  | { end: string }
  /** another field holds a mask of the low bits (the range is value | mask) */
  | { mask: string }
  /** another field holds a page order: 4 KiB << order */
  | { order: string }
  /** as long as another address field's range (region_add's vaddr spans its section) */
  | { sizeOf: string };

export interface AddressField {
  space: Space;
  extent?: Extent;
  /** a second field that ends the same range (it is an address too, but not a range start) */
  isEnd?: boolean;
}

/**
 * The device an event's addresses belong to, as the engine names it, and where that name comes
 * from: the pointer text of one field, or a PCI BDF ("BB:DD.F") built from numeric fields.
 * (The large-trace filter uses the origin to skip lines that cannot name a device.)
 */
export type DeviceOf = ((f: Record<string, FieldValue>) => string | undefined) & ({ from: 'pointer'; field: string } | { from: 'bdf' });

export interface EventSpaces {
  fields: Record<string, AddressField>;
  /** the device the addresses belong to, as the engine names it (pointer or BDF) */
  device?: DeviceOf;
  asid?: (f: Record<string, FieldValue>) => number | undefined;
}

const num = (v: FieldValue | undefined): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : typeof v === 'boolean' ? Number(v) : undefined;
const ptr = (name: string): DeviceOf => Object.assign((f: Record<string, FieldValue>) => pointerText(f[name]), { from: 'pointer' as const, field: name });
const byBdf = (bus: string, slot: string, fn: string): DeviceOf =>
  Object.assign(
    (f: Record<string, FieldValue>) => {
      const b = num(f[bus]);
      const s = num(f[slot]);
      const n = num(f[fn]);
      return b === undefined || s === undefined || n === undefined ? undefined : formatBdf(b, s, n);
    },
    { from: 'bdf' as const },
  );
const bySid: DeviceOf = Object.assign(
  (f: Record<string, FieldValue>) => {
    const sid = num(f.sid);
    return sid === undefined ? undefined : sidToBdf(sid);
  },
  { from: 'bdf' as const },
);
const asidField = (f: Record<string, FieldValue>) => num(f.asid);

const a = (space: Space, extent?: Extent): AddressField => (extent ? { space, extent } : { space });
const endOf = (space: Space): AddressField => ({ space, isEnd: true });

const virtioIommuRange = { virt_start: a('giova', { last: 'virt_end' }), virt_end: endOf('giova') };

export const EVENT_SPACES: Record<string, EventSpaces> = {
  vhost_vdpa_dma_map: { fields: { iova: a('iova', { len: 'size' }), uaddr: a('hva', { len: 'size' }) }, device: ptr('vdpa'), asid: asidField },
  vhost_vdpa_dma_unmap: { fields: { iova: a('iova', { len: 'size' }) }, device: ptr('vdpa'), asid: asidField },
  // llend is exclusive up to 7.2 and inclusive later for region_del; the range reads it as an end
  vhost_vdpa_listener_region_add: { fields: { iova: a('gpa', { end: 'llend' }), llend: endOf('gpa'), vaddr: a('hva', { sizeOf: 'iova' }) }, device: ptr('vdpa') },
  vhost_vdpa_listener_region_del: { fields: { iova: a('gpa', { end: 'llend' }), llend: endOf('gpa') }, device: ptr('vdpa') },
  vhost_vdpa_set_vring_addr: {
    fields: { desc_user_addr: a('iova'), used_user_addr: a('iova'), avail_user_addr: a('iova'), log_guest_addr: a('gpa') },
    device: ptr('dev'),
  },
  vhost_vdpa_dump_regions: { fields: { guest_phys_addr: a('gpa', { len: 'memory_size' }), userspace_addr: a('hva', { len: 'memory_size' }) } },
  // the device's usable range: two bounds, not a range the trace touches (it would match everything)
  vhost_vdpa_get_iova_range: { fields: { first: a('iova'), last: a('iova') }, device: ptr('dev') },
  vtd_dmar_translate: { fields: { iova: a('giova', { mask: 'mask' }), gpa: a('gpa', { mask: 'mask' }) }, device: byBdf('bus', 'slot', 'func') },
  vtd_iotlb_page_update: { fields: { addr: a('giova') }, device: bySid },
  vtd_iotlb_page_hit: { fields: { addr: a('giova') }, device: bySid },
  vtd_inv_desc_iotlb_pages: { fields: { addr: a('giova', { order: 'mask' }) } },
  vtd_inv_desc_iotlb_pasid_pages: { fields: { addr: a('giova', { order: 'mask' }) } },
  vtd_page_walk_one: { fields: { iova: a('giova', { mask: 'mask' }), gpa: a('gpa', { mask: 'mask' }) } },
  vtd_page_walk_one_skip_map: { fields: { iova: a('giova', { mask: 'mask' }), translated: a('gpa', { mask: 'mask' }) } },
  vtd_page_walk_one_skip_unmap: { fields: { iova: a('giova', { mask: 'mask' }) } },
  vtd_as_unmap_whole: { fields: { iova: a('giova', { len: 'size' }) }, device: byBdf('bus', 'slot', 'fn') },
  vtd_translate_pt: { fields: { addr: a('giova') }, device: bySid },
  vtd_dmar_fault: { fields: { addr: a('giova') }, device: bySid },
  virtio_iommu_map: { fields: { ...virtioIommuRange, phys_start: a('gpa') } },
  virtio_iommu_unmap: { fields: virtioIommuRange },
  virtio_iommu_unmap_done: { fields: virtioIommuRange },
  virtio_iommu_notify_map: { fields: { ...virtioIommuRange, phys_start: a('gpa') } },
  virtio_iommu_notify_unmap: { fields: virtioIommuRange },
  virtio_iommu_remap: { fields: { ...virtioIommuRange, phys_start: a('gpa') } },
  virtio_iommu_translate: { fields: { iova: a('giova') } },
  virtio_iommu_translate_out: { fields: { virt_addr: a('giova'), phys_addr: a('gpa') } },
  vhost_region_add_section: { fields: { gpa: a('gpa', { len: 'size' }), host: a('hva', { len: 'size' }) } },
  vhost_region_add_section_aligned: { fields: { gpa: a('gpa', { len: 'size' }), host: a('hva', { len: 'size' }) } },
  vhost_region_add_section_merge: { fields: { gpa: a('gpa') } },
  vhost_user_set_mem_table_withfd: { fields: { guest_phys_addr: a('gpa', { len: 'memory_size' }), userspace_addr: a('hva', { len: 'memory_size' }) } },
  vhost_user_set_mem_table_postcopy: { fields: { qhva: a('hva') } },
  vfio_listener_region_add_ram: { fields: { iova_start: a('gpa', { last: 'iova_end' }), iova_end: endOf('gpa'), vaddr: a('hva', { sizeOf: 'iova_start' }) } },
  vfio_listener_region_add_iommu: { fields: { start: a('gpa', { last: 'end' }), end: endOf('gpa') } },
  vfio_listener_region_del: { fields: { start: a('gpa', { last: 'end' }), end: endOf('gpa') } },
  vfio_iommu_map_notify: { fields: { iova_start: a('giova', { last: 'iova_end' }), iova_end: endOf('giova') } },
  iommufd_backend_map_dma: { fields: { iova: a('iova', { len: 'size' }), vaddr: a('hva', { len: 'size' }) } },
  iommufd_backend_unmap_dma: { fields: { iova: a('iova', { len: 'size' }) } },
};

const big = (v: FieldValue | undefined): bigint | undefined =>
  typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) && v >= 0 ? BigInt(v) : undefined;

/**
 * The inclusive range [start, last] a field's value covers on that line. A zero length or an
 * end at or below the start is a one-byte range at the value (what a user still wants to find).
 */
/** The range a field's value starts; `all` (the event's address fields) for a sizeOf extent. */
export function fieldRange(af: AddressField, value: bigint, f: Record<string, FieldValue>, all?: Record<string, AddressField>): { start: bigint; last: bigint } {
  const e = af.extent;
  let last = value;
  if (e) {
    if ('len' in e) {
      const len = big(f[e.len]);
      if (len !== undefined && len > 0n) last = value + len - 1n;
    } else if ('last' in e) {
      const l = big(f[e.last]);
      if (l !== undefined && l >= value) last = l;
    } else if ('end' in e) {
      const end = big(f[e.end]);
      if (end !== undefined && end > value) last = end - 1n;
    } else if ('sizeOf' in e) {
      const other = all?.[e.sizeOf];
      const ov = big(f[e.sizeOf]);
      if (other && ov !== undefined && !(other.extent && 'sizeOf' in other.extent)) {
        const r = fieldRange(other, ov, f);
        last = value + (r.last - r.start);
      }
    } else if ('mask' in e) {
      const m = big(f[e.mask]);
      if (m !== undefined) return { start: value & ~m, last: value | m };
    } else {
      const o = big(f[e.order]);
      if (o !== undefined && o <= 52n) last = value + (0x1000n << o) - 1n;
    }
  }
  return { start: value, last: last > U64_MAX ? U64_MAX : last };
}

export { big as fieldBigint };
