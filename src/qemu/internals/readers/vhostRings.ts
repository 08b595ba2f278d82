// Per vhost_dev: the memory table (struct vhost_memory *mem), the virtqueues (nvqs from vq_index,
// struct vhost_virtqueue each) and, for vhost-vdpa, the data-path ASID and the shadow vrings
// (vhost_vdpa.shadow_vqs, a GPtrArray of VhostShadowVirtqueue, each with its struct vring). Every
// layout comes from the debug information; every count is bounded and cross-checked against
// what QEMU keeps beside it, and one that does not add up is refused with the reason.
import type { InternalIovaTree } from '../../../model/qemuInternals.js';
import { iovaOfHva, type VhostMemRegion, type VhostSvq, type VhostVdpaState, type VhostVq } from '../../../model/vhostRings.js';
import { LayoutCheckError } from '../errors.js';
import { hasField, layoutOf } from '../layout.js';
import { Bytes, type QemuMemory } from '../qemuMemory.js';

/** more regions than any vhost backend accepts (vhost-user's limit is 509, vhost-kernel's default 64) */
export const MAX_VHOST_REGIONS = 4096;
/** VIRTIO_QUEUE_MAX */
export const MAX_VHOST_VQS = 1024;
/** virtio's largest split ring */
const MAX_RING = 32768;

const h = (v: bigint): string => `0x${v.toString(16)}`;

/** struct vhost_memory at `ptr`; `sections` is vhost_dev.n_mem_sections, which vhost_commit copies into nregions. */
export async function readVhostMemory(mem: QemuMemory, ptr: bigint, sections: number, what: string): Promise<VhostMemRegion[] | null> {
  if (ptr === 0n) return null;
  const [M, R] = await Promise.all([layoutOf(mem, 'struct vhost_memory', ['nregions', 'regions']), layoutOf(mem, 'struct vhost_memory_region', ['guest_phys_addr', 'memory_size', 'userspace_addr'])]);
  const where = `memory table of ${what} at ${h(ptr)}`;
  const n = new Bytes(await mem.read(ptr + M.off.nregions, 4), where).u32(0n);
  if (n > MAX_VHOST_REGIONS) throw new LayoutCheckError(where, `nregions = ${n} is more than any vhost backend accepts (${MAX_VHOST_REGIONS})`);
  if (n !== sections) throw new LayoutCheckError(where, `nregions = ${n} but the device has ${sections} memory sections (n_mem_sections): the table and the sections disagree`);
  if (n === 0) return [];
  const b = new Bytes(await mem.read(ptr + M.off.regions, n * Number(R.size)), where);
  const out: VhostMemRegion[] = [];
  for (let i = 0; i < n; i++) {
    const at = BigInt(i) * R.size;
    const r = { gpa: b.u64(at + R.off.guest_phys_addr), size: b.u64(at + R.off.memory_size), hva: b.u64(at + R.off.userspace_addr) };
    if (r.size === 0n || r.gpa + r.size - 1n > 0xffff_ffff_ffff_ffffn || r.hva + r.size - 1n > 0xffff_ffff_ffff_ffffn) {
      throw new LayoutCheckError(where, `region ${i} (GPA ${h(r.gpa)}, size ${h(r.size)}, HVA ${h(r.hva)}) is empty or wraps past 2^64`);
    }
    out.push(r);
  }
  return out;
}

/** The `nvqs` struct vhost_virtqueue at `ptr`, numbered from `first` (vhost_dev.vq_index). */
export async function readVhostVqs(mem: QemuMemory, ptr: bigint, nvqs: number, first: number, what: string): Promise<VhostVq[]> {
  const where = `virtqueues of ${what}`;
  if (nvqs > MAX_VHOST_VQS) throw new LayoutCheckError(where, `nvqs = ${nvqs} is more than virtio allows (${MAX_VHOST_VQS})`);
  if (first < 0 || first + nvqs > MAX_VHOST_VQS) throw new LayoutCheckError(where, `vq_index ${first} + nvqs ${nvqs} is outside 0..${MAX_VHOST_VQS}`);
  if (nvqs === 0) return [];
  if (ptr === 0n) throw new LayoutCheckError(where, `nvqs = ${nvqs} but vqs is NULL`);
  const sized = await hasField(mem, 'struct vhost_virtqueue', 'desc_size');
  const V = await layoutOf(mem, 'struct vhost_virtqueue', ['num', 'desc_phys', 'avail_phys', 'used_phys', ...(sized ? (['desc_size', 'avail_size', 'used_size'] as const) : [])]);
  const b = new Bytes(await mem.read(ptr, nvqs * Number(V.size)), `${where} at ${h(ptr)}`);
  const out: VhostVq[] = [];
  for (let i = 0; i < nvqs; i++) {
    const at = BigInt(i) * V.size;
    const o = V.off as Record<string, bigint>;
    const num = b.u32(at + o.num!);
    if (num > MAX_RING) throw new LayoutCheckError(where, `virtqueue ${first + i} has num = ${num}, more than a ring may hold (${MAX_RING})`);
    out.push({
      index: first + i,
      num,
      desc: b.u64(at + o.desc_phys!),
      avail: b.u64(at + o.avail_phys!),
      used: b.u64(at + o.used_phys!),
      ...(sized ? { sizes: { desc: b.u32(at + o.desc_size!), avail: b.u32(at + o.avail_size!), used: b.u32(at + o.used_size!) } } : {}),
    });
  }
  return out;
}

/** vhost-vdpa's ASID and shadow vrings of the struct vhost_vdpa at `vdpa`; SVQ IOVAs from `tree`. */
export async function readVdpaState(mem: QemuMemory, vdpa: bigint, nvqs: number, tree: InternalIovaTree | null, what: string): Promise<VhostVdpaState> {
  const hasAsid = await hasField(mem, 'struct vhost_vdpa', 'address_space_id');
  const V = await layoutOf(mem, 'struct vhost_vdpa', ['shadow_vqs_enabled', 'shadow_vqs', ...(hasAsid ? (['address_space_id'] as const) : [])]);
  const o = V.off as Record<string, bigint>;
  // struct vhost_vdpa is ~290 KiB (its notifier array): read the fields, not the struct
  const [enabled, arr, asid] = await Promise.all([
    mem.read(vdpa + o.shadow_vqs_enabled!, 1).then((b) => b[0] !== 0),
    mem.read(vdpa + o.shadow_vqs!, 8).then((b) => new Bytes(b, `vhost_vdpa.shadow_vqs of ${what}`).u64(0n)),
    hasAsid ? mem.read(vdpa + o.address_space_id!, 4).then((b) => new Bytes(b, `vhost_vdpa.address_space_id of ${what}`).u32(0n)) : Promise.resolve(null),
  ]);
  const net = await readNetState(mem, vdpa, tree, what);
  return { asid, shadowVqsEnabled: enabled, svq: enabled && arr !== 0n ? await readShadowVqs(mem, arr, nvqs, tree, what) : [], ...(net ? { net } : {}) };
}

/**
 * The VhostVDPAState that embeds this struct vhost_vdpa (net/vhost-vdpa.c), reached by
 * container_of and accepted only when its nc.info is QEMU's own net_vhost_vdpa_info or
 * net_vhost_vdpa_cvq_info: any other embedder (vhost-vdpa-device-pci) is left alone.
 */
async function readNetState(mem: QemuMemory, vdpa: bigint, tree: InternalIovaTree | null, what: string): Promise<VhostVdpaState['net'] | undefined> {
  if (!(await hasField(mem, 'VhostVDPAState', 'vhost_vdpa'))) return undefined;
  const [S, infos] = await Promise.all([
    layoutOf(mem, 'VhostVDPAState', ['vhost_vdpa', 'nc.info', 'cvq_cmd_out_buffer', 'status']),
    Promise.all([mem.addressOf('net_vhost_vdpa_info'), mem.addressOf('net_vhost_vdpa_cvq_info')]).catch(() => null),
  ]);
  if (!infos || vdpa < S.off.vhost_vdpa) return undefined;
  const state = vdpa - S.off.vhost_vdpa;
  // VhostVDPAState embeds the ~290 KiB struct vhost_vdpa: read the three pointers, not the struct
  const word = async (off: bigint, name: string): Promise<bigint> => new Bytes(await mem.read(state + off, 8), `VhostVDPAState.${name} of ${what} at ${h(state)}`).u64(0n);
  let info: bigint;
  try {
    info = await word(S.off['nc.info'], 'nc.info');
  } catch {
    return undefined; // not embedded in a VhostVDPAState (the bytes before it are not QEMU's)
  }
  const role = info === infos[0] ? 'data' : info === infos[1] ? 'cvq' : null;
  if (role === null) return undefined;
  const [cmd, status] = await Promise.all([word(S.off.cvq_cmd_out_buffer, 'cvq_cmd_out_buffer'), word(S.off.status, 'status')]);
  const area = (hva: bigint): { hva: bigint; iova: bigint | null } | null => (hva === 0n ? null : { hva, iova: iovaOfHva(tree, hva) });
  return { role, cmd: area(cmd), status: area(status) };
}

async function readShadowVqs(mem: QemuMemory, arr: bigint, nvqs: number, tree: InternalIovaTree | null, what: string): Promise<VhostSvq[]> {
  const where = `shadow_vqs of ${what}`;
  const [A, S, R] = await Promise.all([layoutOf(mem, 'GPtrArray', ['pdata', 'len']), layoutOf(mem, 'VhostShadowVirtqueue', ['vring']), layoutOf(mem, 'struct vring', ['num', 'desc', 'avail', 'used'])]);
  const a = new Bytes(await mem.read(arr, Number(A.size)), `${where} (GPtrArray at ${h(arr)})`);
  const len = a.u32(A.off.len);
  const pdata = a.u64(A.off.pdata);
  if (len > MAX_VHOST_VQS) throw new LayoutCheckError(where, `the array holds ${len} shadow virtqueues, more than virtio allows (${MAX_VHOST_VQS})`);
  // vhost_vdpa_init_svq creates one SVQ per virtqueue of the device
  if (len !== nvqs) throw new LayoutCheckError(where, `the array holds ${len} shadow virtqueues but the device has nvqs = ${nvqs}`);
  if (len === 0) return [];
  if (pdata === 0n) throw new LayoutCheckError(where, `len = ${len} but pdata is NULL`);
  const ptrs = new Bytes(await mem.read(pdata, len * 8), `${where} pdata at ${h(pdata)}`);
  const svqs = Array.from({ length: len }, (_, i) => ptrs.u64(BigInt(i * 8)));
  const null_ = svqs.findIndex((p) => p === 0n);
  if (null_ >= 0) throw new LayoutCheckError(where, `element ${null_} of ${len} is NULL`);
  const rings = await Promise.all(svqs.map((p) => mem.read(p + S.off.vring, Number(R.size))));
  return rings.map((buf, i) => {
    const r = new Bytes(buf, `VhostShadowVirtqueue ${i} at ${h(svqs[i]!)}`);
    const num = r.u32(R.off.num);
    if (num > MAX_RING) throw new LayoutCheckError(where, `shadow virtqueue ${i} has vring.num = ${num}, more than a ring may hold (${MAX_RING})`);
    const area = (off: bigint): { hva: bigint; iova: bigint | null } => {
      const hva = r.u64(off);
      return { hva, iova: hva === 0n ? null : iovaOfHva(tree, hva) };
    };
    return { index: i, num, desc: area(R.off.desc), avail: area(R.off.avail), used: area(R.off.used) };
  });
}
