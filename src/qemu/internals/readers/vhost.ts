// vhost devices: the static vhost_devices QLIST of struct vhost_dev, each with its backend
// (vhost_ops->backend_type), `started`, and for vhost-vdpa its VhostIOVATree — held by struct
// vhost_vdpa itself up to 8.x and by the shared VhostVDPAShared from 9.0 (asked of the debug
// information, not of a version number). Memory table, virtqueues, ASID and shadow vrings: vhostRings.ts. The tree has one GTree (iova_taddr_map, legacy layout)
// or three (iova_map allocator, iova_taddr_map IOVA→HVA, gpa_iova_map GPA→IOVA: current layout).
import type { InternalIovaMap, InternalIovaTree, InternalVhostDevice, VhostBackend } from '../../../model/qemuInternals.js';
import { LayoutCheckError } from '../errors.js';
import { walkGTree } from '../glib/gtree.js';
import { hasField, layoutOf, MAX_LIST } from '../layout.js';
import { Bytes, type QemuMemory } from '../qemuMemory.js';
import { readVdpaState, readVhostMemory, readVhostVqs } from './vhostRings.js';

const BACKENDS: Record<number, VhostBackend> = { 0: 'none', 1: 'kernel', 2: 'user', 3: 'vdpa' };

export async function readVhostDevices(mem: QemuMemory): Promise<InternalVhostDevice[]> {
  const [D, O] = await Promise.all([layoutOf(mem, 'struct vhost_dev', ['started', 'vhost_ops', 'opaque', 'entry.le_next', 'mem', 'n_mem_sections', 'vqs', 'nvqs', 'vq_index']), layoutOf(mem, 'VhostOps', ['backend_type'])]);
  const out: InternalVhostDevice[] = [];
  const seen = new Set<bigint>();
  for (let p = await mem.evaluate('vhost_devices.lh_first'); p !== 0n; ) {
    if (seen.has(p) || seen.size >= MAX_LIST) throw new LayoutCheckError('vhost_devices', `the list does not end (0x${p.toString(16)} again or more than ${MAX_LIST})`);
    seen.add(p);
    const d = new Bytes(await mem.read(p, Number(D.size)), `vhost_dev at 0x${p.toString(16)}`);
    const ops = d.u64(D.off.vhost_ops);
    const type = ops === 0n ? 0 : new Bytes(await mem.read(ops + O.off.backend_type, 4), 'VhostOps.backend_type').u32(0n);
    const backend = BACKENDS[type] ?? (`unknown(${type})` as VhostBackend);
    const opaque = d.u64(D.off.opaque);
    const what = `${backend === 'vdpa' ? 'vhost-vdpa' : 'vhost'} device at 0x${p.toString(16)}`;
    const iovaTree = backend === 'vdpa' && opaque !== 0n ? await readVdpaIovaTree(mem, opaque, what) : null;
    const nvqs = d.u32(D.off.nvqs);
    const [memory, vqs] = await Promise.all([readVhostMemory(mem, d.u64(D.off.mem), d.i32(D.off.n_mem_sections), what), readVhostVqs(mem, d.u64(D.off.vqs), nvqs, d.i32(D.off.vq_index), what)]);
    const vdpa = backend === 'vdpa' && opaque !== 0n ? await readVdpaState(mem, opaque, nvqs, iovaTree, what) : undefined;
    out.push({ backend, started: d.u8(D.off.started) !== 0, iovaTree, memory, vqs, ...(vdpa ? { vdpa } : {}) });
    p = d.u64(D.off['entry.le_next']);
  }
  return out;
}

async function readVdpaIovaTree(mem: QemuMemory, vdpa: bigint, what: string): Promise<InternalIovaTree | null> {
  let tree: bigint;
  if (await hasField(mem, 'struct vhost_vdpa', 'shared')) {
    const shared = new Bytes(await mem.read(vdpa + (await mem.offsetOf('struct vhost_vdpa', 'shared')), 8), 'vhost_vdpa.shared').u64(0n);
    if (shared === 0n) return null;
    tree = new Bytes(await mem.read(shared + (await mem.offsetOf('VhostVDPAShared', 'iova_tree')), 8), 'VhostVDPAShared.iova_tree').u64(0n);
  } else {
    tree = new Bytes(await mem.read(vdpa + (await mem.offsetOf('struct vhost_vdpa', 'iova_tree')), 8), 'vhost_vdpa.iova_tree').u64(0n);
  }
  if (tree === 0n) return null; // no shadow virtqueues: the device maps GPAs itself
  const current = await hasField(mem, 'VhostIOVATree', 'gpa_iova_map');
  const [T, I, M] = await Promise.all([
    layoutOf(mem, 'VhostIOVATree', current ? ['iova_taddr_map', 'gpa_iova_map'] : ['iova_taddr_map']),
    layoutOf(mem, 'IOVATree', ['tree']),
    layoutOf(mem, 'DMAMap', ['iova', 'translated_addr', 'size', 'perm']),
  ]);
  const t = new Bytes(await mem.read(tree, Number(T.size)), `VhostIOVATree of ${what}`);
  const maps = async (field: string, label: string, keyOf: (m: { iova: bigint; taddr: bigint }) => bigint): Promise<{ iova: bigint; last: bigint; taddr: bigint; perm: number }[]> => {
    const iovaTree = t.u64(T.off[field as 'iova_taddr_map']);
    if (iovaTree === 0n) throw new LayoutCheckError(`VhostIOVATree of ${what}`, `${field} is NULL`);
    const gtree = new Bytes(await mem.read(iovaTree + I.off.tree, 8), 'IOVATree.tree').u64(0n);
    const entries = await walkGTree(mem, gtree, `${label} of ${what}`);
    const bufs = await Promise.all(entries.map((e) => mem.read(e.key, Number(M.size))));
    let prevLast = -1n;
    return bufs.map((b, i) => {
      const m = new Bytes(b, `DMAMap at 0x${entries[i]!.key.toString(16)}`);
      const iova = m.u64(M.off.iova);
      const size = m.u64(M.off.size);
      const map = { iova, last: (iova + size) & 0xffff_ffff_ffff_ffffn, taddr: m.u64(M.off.translated_addr), perm: m.u32(M.off.perm) };
      // the tree's compare function orders non-overlapping ranges by key: in-order must ascend
      const key = keyOf(map);
      if (key <= prevLast) throw new LayoutCheckError(`${label} of ${what}`, `node ${i} starts at key 0x${key.toString(16)}, not after the previous node's last 0x${prevLast.toString(16)}`);
      prevLast = key + size;
      return map;
    });
  };
  if (!current) return { layout: 'legacy', maps: await maps('iova_taddr_map', 'IOVA tree', (m) => m.iova) };
  const [hva, gpa] = await Promise.all([maps('iova_taddr_map', 'IOVA→HVA tree', (m) => m.iova), maps('gpa_iova_map', 'GPA→IOVA tree', (m) => m.taddr)]);
  const all: InternalIovaMap[] = [...hva, ...gpa.map((m) => ({ ...m, gpa: m.taddr }))];
  all.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
  return { layout: 'current', maps: all };
}
