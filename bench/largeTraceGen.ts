// Large but consistent QEMU traces for the large-trace bench: the shape of
// samples/qemu-7.2-vtd-net/trace.log (a VT-d protected virtio-net: context hits, IOTLB fills,
// translations, queue activity, then the guest's page-selective invalidations through the
// queued-invalidation interface) interleaved with the vhost-vdpa listener traffic of the SVQ
// scenario (region_add → batch map, region_del → batch unmap of the same map). Timestamps
// advance, addresses shift from cycle to cycle, every translation is later invalidated and every
// map later unmapped, so the model stays bounded and the diagnostics are the few faults planted
// on purpose (a device touching a page right after the guest invalidated it).
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { prng } from '../src/shared/prng.js';

export interface LargeTraceFile {
  path: string;
  bytes: number;
  lines: number;
  /** lines with a planted dma-fault */
  faults: number;
  reused: boolean;
}

const hx = (n: number | bigint): string => n.toString(16);
const VDPA = '0x55d2c1a4e2b0';
const VDEV = '0x5624944821d0';
const VQS = ['0x7ff8a0c2e010', '0x7ff8a0c2e0a8', '0x7ff8a0c2e140'];
/** how many vDPA sections stay mapped at once; the oldest goes when a new one comes */
const LIVE_SECTIONS = 8;
const SLOTS = 64;

class TraceWriter {
  private parts: string[] = [];
  private pending = 0;
  bytes = 0;
  lines = 0;
  private usec = 100137;
  private readonly fd: number;
  constructor(path: string, private readonly rand: () => number) {
    this.fd = openSync(path, 'w');
  }
  line(s: string): void {
    const sec = 1700000000 + Math.floor(this.usec / 1e6);
    const text = `4242@${sec}.${String(this.usec % 1e6).padStart(6, '0')}:${s}\n`;
    this.usec += 1 + Math.floor(this.rand() * 40);
    this.parts.push(text);
    this.pending += text.length;
    this.lines++;
    if (this.pending >= 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    writeSync(this.fd, chunk);
    this.bytes += Buffer.byteLength(chunk);
    this.parts = [];
    this.pending = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
  get written(): number {
    return this.bytes + this.pending;
  }
}

function header(w: TraceWriter): void {
  w.line('vtd_context_cache_reset ');
  for (const d of ['00:00.0', '00:01.0', '00:02.0', '00:1f.0']) w.line(`vtd_switch_address_space Device ${d} switching address space (iommu enabled=0)`);
  w.line('vtd_inv_qi_enable enabled 1');
  w.line('vtd_inv_qi_setup addr 0x249b000 size 256');
  w.line('vtd_reg_dmar_root addr 0x249c000 scalable 0');
  w.line('vtd_switch_address_space Device 00:02.0 switching address space (iommu enabled=1)');
  w.line(`vhost_vdpa_init dev: 0x55d2c1c0a650, common dev: ${VDPA} vdpa: 0x7f6a968d7190`);
  w.line('vhost_vdpa_get_iova_range dev: 0x55d2c1c0a650 first: 0x0 last: 0xffffffffffffffff');
  // guest RAM below 4 GiB, mapped once for the whole run
  w.line(`vhost_vdpa_listener_region_add vdpa: ${VDPA} iova 0x0 llend 0x80000000 vaddr: 0x7f7903e00000 read-only: 0`);
  w.line(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
  w.line(`vhost_vdpa_dma_map vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x80000000 uaddr: 0x7f7903e00000 perm: 0x3 type: 2`);
  w.line(`vhost_vdpa_listener_commit vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 6`);
}

interface Section {
  gpa: bigint;
  len: bigint;
  iova: bigint;
}

/** guest RAM's map, placed first by the header */
const RAM_MAP = { iova: 0x1000n, len: 0x80000000n };

/**
 * A new section in its own GPA window (a slot is reused only long after its map went), at the
 * IOVA QEMU's VhostIOVATree hands out: the first hole from 0x1000 that holds it.
 */
function sectionOf(slot: number, len: bigint, live: readonly Section[]): Section {
  const gpa = 0x200000000n + BigInt(slot) * 0x10000000n;
  const taken = [RAM_MAP, ...live].sort((a, b) => (a.iova < b.iova ? -1 : 1));
  let iova = 0x1000n;
  for (const m of taken) {
    if (iova + len <= m.iova) break;
    if (m.iova + m.len > iova) iova = m.iova + m.len;
  }
  return { gpa, len, iova };
}

function addSection(w: TraceWriter, s: Section): void {
  const hva = 0x7f7983e00000n + s.gpa;
  w.line(`vhost_vdpa_listener_region_add vdpa: ${VDPA} iova 0x${hx(s.gpa)} llend 0x${hx(s.gpa + s.len)} vaddr: 0x${hx(hva)} read-only: 0`);
  w.line(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
  w.line(`vhost_vdpa_dma_map vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(s.iova)} size: 0x${hx(s.len)} uaddr: 0x${hx(hva)} perm: 0x3 type: 2`);
  w.line(`vhost_vdpa_listener_commit vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 6`);
}

function delSection(w: TraceWriter, s: Section): void {
  w.line(`vhost_vdpa_listener_region_del vdpa: ${VDPA} iova 0x${hx(s.gpa)} llend 0x${hx(s.gpa + s.len - 1n)}`);
  w.line(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
  w.line(`vhost_vdpa_dma_unmap vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(s.iova)} size: 0x${hx(s.len)} type: 3`);
  w.line(`vhost_vdpa_listener_commit vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 6`);
}

/** One DMA burst of the VT-d protected NIC on one page, then the guest's invalidation of it. */
function dmaBurst(w: TraceWriter, c: number, pick: (n: number) => number, fault: boolean, qi: { head: number }): void {
  const page = 0xffff0000 - (c % 0x800) * 0x1000;
  const gpa = 0x14000000 + ((c * 7919) % 0x40000) * 0x1000;
  const q = pick(3);
  const elem = `0x${hx(0x562493f86320 + pick(64) * 0x40)}`;
  w.line('vtd_iotlb_cc_hit IOTLB context hit bus 0x0 devfn 0x10 high 0x401 low 0x24d8001 gen 1');
  w.line(`vtd_iotlb_page_update IOTLB page update sid 0x10 iova 0x${hx(page + 2)} slpte 0x${hx(gpa | 3)} domain 0x4`);
  w.line(`vtd_dmar_translate dev 00:02.00 iova 0x${hx(page)} -> gpa 0x${hx(gpa)} mask 0xfff`);
  w.line(`virtio_queue_notify vdev ${VDEV} n ${q} vq ${VQS[q]}`);
  w.line(`virtqueue_pop vq ${VQS[q]} elem ${elem} in_num ${pick(2)} out_num ${1 + pick(2)}`);
  for (let k = 1 + pick(3); k > 0; k--) {
    const off = pick(0x100) * 16;
    w.line(`vtd_iotlb_page_hit IOTLB page hit sid 0x10 iova 0x${hx(page + off)} slpte 0x${hx(gpa | 3)} domain 0x4`);
    w.line(`vtd_dmar_translate dev 00:02.00 iova 0x${hx(page)} -> gpa 0x${hx(gpa)} mask 0xfff`);
  }
  w.line(`virtqueue_fill vq ${VQS[q]} elem ${elem} len ${pick(1600)} idx 0`);
  w.line(`virtqueue_flush vq ${VQS[q]} count 1`);
  w.line(`virtio_notify vdev ${VDEV} vq ${VQS[q]}`);
  // the guest unmaps the buffer: a page-selective invalidation through the invalidation queue
  const tail = (qi.head + 2) % 256;
  w.line(`vtd_reg_write addr 0x88 size 0x4 value 0x${hx(tail << 4)}`);
  w.line(`vtd_inv_qi_tail write tail ${tail}`);
  w.line('vtd_inv_qi_fetch ');
  w.line(`vtd_inv_qi_head read head ${qi.head}`);
  w.line(`vtd_inv_desc invalidate desc type iotlb high 0x${hx(page)} low 0x400f2`);
  w.line(`vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0x${hx(page)} mask 0x0`);
  w.line('vtd_inv_desc invalidate desc type wait high 0x163e4004 low 0x200000025');
  w.line('vtd_inv_desc_wait_sw wait invalidate status write addr 0x163e4004 data 0x2');
  qi.head = tail;
  // a device that keeps using the page after the invalidation: the use-after-unmap QEMU faults on
  if (fault) w.line(`vtd_dmar_fault sid 0x10 fault 6 addr 0x${hx(page + 0x40)} write 0`);
}

export interface GenerateOptions {
  /** a planted use-after-invalidation fault every this many DMA bursts (default 20000) */
  faultEvery?: number;
}

/** Write about `targetBytes` of trace to `path` (whole lines). Deterministic for a seed. */
export function generateLargeTrace(path: string, targetBytes: number, seed = 7, opts: GenerateOptions = {}): LargeTraceFile {
  const faultEvery = opts.faultEvery ?? 20000;
  const rand = prng(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const w = new TraceWriter(path, rand);
  header(w);
  const live: Section[] = [];
  const qi = { head: 0 };
  let faults = 0;
  let sections = 0;
  for (let c = 0; w.written < targetBytes; c++) {
    const fault = c % faultEvery === faultEvery - 1;
    if (fault) faults++;
    dmaBurst(w, c, pick, fault, qi);
    if (c % 16 === 0) {
      if (live.length === LIVE_SECTIONS) delSection(w, live.shift()!);
      const s = sectionOf(sections++ % SLOTS, BigInt(1 + pick(256)) << 12n, live);
      addSection(w, s);
      live.push(s);
    }
  }
  w.close();
  return { path, bytes: w.bytes, lines: w.lines, faults, reused: false };
}

/** The file at `path` if it is already about `targetBytes` long (within 1 MiB), else a fresh one. */
export function largeTraceAt(path: string, targetBytes: number, seed = 7): LargeTraceFile {
  if (existsSync(path)) {
    const size = statSync(path).size;
    if (Math.abs(size - targetBytes) < 1 << 20) return { path, bytes: size, lines: -1, faults: -1, reused: true };
  }
  return generateLargeTrace(path, targetBytes, seed);
}
