// Part 9 in the lab, the rest of what QEMU's vhost device holds, read from the debug-QEMU cores:
// its memory table must be guest RAM (the "memory" FlatView's RAM, not ROM, contiguous pieces
// merged as vhost_commit merges them), each shadow vring must sit in a node of QEMU's own IOVA
// tree at the IOVA the trace says QEMU gave the device (vhost_vdpa_set_vring_addr), and the ASID
// must be the one QEMU's DMA maps went to (vhost_vdpa_dma_map), all as of the core's trace line.
import assert from 'node:assert/strict';
import type { InternalVhostDevice, QemuInternals } from '../../src/model/qemuInternals.js';
import type { VhostMemRegion, VhostVq } from '../../src/model/vhostRings.js';
import { hex } from '../../src/model/u64.js';
import type { TraceLine } from './groundTruth.js';

const field = (text: string, key: string): bigint | undefined => {
  const m = new RegExp(`${key}: (0x[0-9a-f]+|\\d+)`).exec(text);
  return m ? BigInt(m[1]!) : undefined;
};

/**
 * Guest RAM as vhost sees it (vhost_section: RAM, not ROM): the RAM ranges of the "memory"
 * FlatView, merged where GPA and HVA both continue. A ROM is a region with no writable range
 * (pc.bios); a read-only window onto RAM (the PAM shadow of the BIOS area) is still RAM to vhost.
 */
export function guestRamRegions(s: QemuInternals): VhostMemRegion[] {
  const sys = s.addressSpaces.find((a) => a.name === 'memory');
  assert.ok(sys, 'QEMU has a "memory" AddressSpace');
  const writable = new Set(sys.ranges.filter((r) => r.ram && !r.readonly).map((r) => r.region));
  const out: VhostMemRegion[] = [];
  for (const r of sys.ranges) {
    if (!r.ram || !writable.has(r.region) || r.hva === null) continue;
    const size = r.last - r.start + 1n;
    const prev = out.at(-1);
    if (prev && prev.gpa + prev.size === r.start && prev.hva + prev.size === r.hva) prev.size += size;
    else out.push({ gpa: r.start, size, hva: r.hva });
  }
  return out;
}

const regionText = (r: VhostMemRegion): string => `GPA ${hex(r.gpa)}+${hex(r.size)} HVA ${hex(r.hva)}`;

/** The checks above for the one vhost-vdpa device of `live`; returns a line for the test's diagnostics. */
export function checkVhostRings(live: QemuInternals, lines: readonly TraceLine[], cut: number, qemu: '7.2' | '10', what: string): string {
  const v: InternalVhostDevice = live.vhost.find((d) => d.backend === 'vdpa')!;
  assert.ok(v.memory, `${what}: the vhost-vdpa device has a memory table`);
  assert.deepEqual(v.memory.map(regionText), guestRamRegions(live).map(regionText), `${what}: the vhost memory table is guest RAM`);
  assert.ok(v.vqs && v.vqs.length >= 2, `${what}: the device's virtqueues are read (got ${v.vqs?.length})`);
  assert.ok(v.vdpa, `${what}: vhost-vdpa state is read`);
  // the lab's VDUSE net device has one queue pair and no control virtqueue
  assert.deepEqual(v.vdpa.net, { role: 'data', cmd: null, status: null }, `${what}: the device is net/vhost-vdpa's data path (VhostVDPAState reached through its NetClientInfo)`);
  const upTo = lines.filter((l) => l.line <= cut);
  // 7.2's struct vhost_vdpa has no address_space_id and its dma_map trace no asid: ASID 0 implied
  const asids = new Set(upTo.filter((l) => l.name === 'vhost_vdpa_dma_map').map((l) => field(l.text, 'asid')));
  if (qemu === '7.2') {
    assert.equal(v.vdpa.asid, null, `${what}: QEMU 7.2 has no address_space_id`);
    assert.deepEqual([...asids], [undefined], `${what}: QEMU 7.2 traces no ASID`);
  } else {
    assert.deepEqual([...asids], [BigInt(v.vdpa.asid ?? -1)], `${what}: the ASID QEMU read (${v.vdpa.asid}) is the one its dma_map lines went to`);
  }
  if (!v.started) return `${what}: device stopped; memory table ${v.memory.length} regions = guest RAM; SVQ vrings not checked`;
  // a stopped 10.0 device has freed its tree: its shadow vrings are checked while it runs
  assert.equal(v.vdpa.shadowVqsEnabled, true, `${what}: shadow virtqueues are on`);
  assert.equal(v.vdpa.svq.length, v.vqs.length, `${what}: one SVQ per virtqueue`);
  const tree = v.iovaTree;
  assert.ok(tree, `${what}: a started SVQ device has an IOVA tree`);
  const svqText: string[] = [];
  const vqs: VhostVq[] = v.vqs;
  for (const q of v.vdpa.svq) {
    const vq: VhostVq = vqs[q.index]!;
    const set: TraceLine | undefined = upTo.filter((l) => l.name === 'vhost_vdpa_set_vring_addr' && field(l.text, 'index') === BigInt(vq.index)).at(-1);
    assert.ok(set, `${what}: the trace set virtqueue ${vq.index}'s addresses before line ${cut}`);
    for (const [area, key] of [['desc', 'desc_user_addr'], ['avail', 'avail_user_addr'], ['used', 'used_user_addr']] as const) {
      const iova = q[area].iova;
      assert.ok(iova !== null, `${what}: SVQ ${q.index} ${area} at HVA ${hex(q[area].hva)} is in a node of QEMU's IOVA tree`);
      assert.equal(iova, field(set.text, key), `${what}: SVQ ${q.index} ${area} IOVA is the ${key} of trace line ${set.line}`);
    }
    // QEMU maps the driver area (desc + avail) and the device area (used) as one node each
    for (const area of ['desc', 'used'] as const) assert.ok(tree.maps.some((m) => m.gpa === undefined && m.iova === q[area].iova && m.taddr === q[area].hva), `${what}: SVQ ${q.index} ${area} starts a node of the IOVA tree`);
    svqText.push(`SVQ ${q.index} desc/avail/used IOVA ${hex(q.desc.iova!)}/${hex(q.avail.iova!)}/${hex(q.used.iova!)}`);
  }
  return `${what}: memory table ${v.memory.length} regions = guest RAM; ASID ${v.vdpa.asid ?? 'none (7.2)'}; ${svqText.join(', ')} = trace line set_vring_addr`;
}
