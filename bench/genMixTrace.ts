// Trace mixes that stress the replay the way real traces do, unlike genTrace.ts (which unmaps
// every region two lines after mapping it, so almost nothing stays live):
// - realistic: a vhost-vdpa device whose listener maps ~7k sections that stay live for the whole
//   trace, transient sections that come and go over them (region_add/map, region_del/unmap), and
//   VT-d traffic heavy in IOTLB hits, translations and page/domain/global invalidations for two
//   devices in two domains, with virtqueue activity around it (~98 bytes a line);
// - pairs: N dma_map/dma_unmap pairs of one device (no listener), for peak memory by mappings.
// Deterministic for a given seed (src/shared/prng.ts).
import { openSync, writeSync, closeSync } from 'node:fs';
import { prng } from '../src/shared/prng.js';
import type { GeneratedTrace } from './genTrace.js';

const hx = (n: number | bigint): string => n.toString(16);

class LineWriter {
  private out: string[] = [];
  private readonly fd: number;
  bytes = 0;
  n = 0;
  private usec = 100137;
  constructor(path: string, readonly limit: number, private readonly rand: () => number) {
    this.fd = openSync(path, 'w');
  }
  get full(): boolean {
    return this.n >= this.limit;
  }
  /** one line; blocks of 4096 lines alternate between prefixed and bare lines, as genTrace does */
  emit(s: string): void {
    if (this.n >= this.limit) return;
    const u = this.usec;
    this.out.push(((this.n >> 12) & 1) === 1 ? `4242@${1700000000 + Math.floor(u / 1e6)}.${String(u % 1e6).padStart(6, '0')}:${s}` : s);
    this.usec += 1 + Math.floor(this.rand() * 300);
    this.n++;
    if (this.out.length >= 8192) this.flush();
  }
  private flush(): void {
    if (this.out.length === 0) return;
    const text = this.out.join('\n') + '\n';
    this.bytes += Buffer.byteLength(text);
    writeSync(this.fd, text);
    this.out = [];
  }
  close(path: string): GeneratedTrace {
    this.flush();
    closeSync(this.fd);
    return { path, lines: this.n, bytes: this.bytes };
  }
}

const VDPA = '0x55d2c1a4e2b0';
const VDEV = '0x5624944821d0';
const VQS = ['0x7ff8a0c2e010', '0x7ff8a0c2e0a8', '0x7ff8a0c2e140'];
const HVA_BASE = 0x7f7903e00000n;

/** The realistic mix: `liveMaps` sections mapped first and never unmapped, then steady traffic. */
export function generateRealisticTrace(path: string, lines: number, seed = 1, liveMaps = 7000): GeneratedTrace {
  const rand = prng(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const w = new LineWriter(path, lines, rand);
  let nextIova = 0x1000n;
  // QEMU's allocator takes the first free IOVA: permanent maps pack from 0x1000 and a transient
  // one takes the hole right above them, which its unmap frees again
  const section = (gpa: bigint, len: bigint, permanent: boolean): { iova: bigint; hva: bigint } => {
    const hva = HVA_BASE + gpa;
    const iova = nextIova;
    if (permanent) nextIova += len;
    w.emit(`vhost_vdpa_listener_region_add vdpa: ${VDPA} iova 0x${hx(gpa)} llend 0x${hx(gpa + len)} vaddr: 0x${hx(hva)} read-only: 0`);
    w.emit(`vhost_vdpa_dma_map vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(iova)} size: 0x${hx(len)} uaddr: 0x${hx(hva)} perm: 0x3 type: 2`);
    return { iova, hva };
  };
  // the guest's memory as many small sections (2 MiB apart, 4-256 KiB each), all staying mapped
  w.emit(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
  for (let i = 0; i < liveMaps && !w.full; i++) section(BigInt(i) << 21n, BigInt(1 + pick(64)) << 12n, true);
  w.emit(`vhost_vdpa_listener_commit vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 6`);
  // transient sections live above the permanent ones (GPA from 64 GiB), so they never overlap them
  const transientBase = 1n << 36n;
  const devs = [
    { bdf: '00:02.00', sid: '0x10', domain: 4, base: 0xffff0000 },
    { bdf: '00:03.00', sid: '0x18', domain: 5, base: 0xfffe0000 },
  ];
  while (!w.full) {
    const r = pick(1000);
    if (r < 40) {
      const gpa = transientBase + (BigInt(pick(0x4000)) << 21n);
      const len = BigInt(1 + pick(64)) << 12n;
      w.emit(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
      const { iova } = section(gpa, len, false);
      w.emit(`vhost_vdpa_listener_commit vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 6`);
      w.emit(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
      w.emit(`vhost_vdpa_listener_region_del vdpa: ${VDPA} iova 0x${hx(gpa)} llend 0x${hx(gpa + len - 1n)}`);
      w.emit(`vhost_vdpa_dma_unmap vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(iova)} size: 0x${hx(len)} type: 3`);
      w.emit(`vhost_vdpa_listener_commit vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 6`);
    } else if (r < 700) {
      const d = devs[pick(2)];
      const iova = d.base + pick(0x1000) * 16;
      const page = iova - (iova % 0x1000);
      const gpa = 0x14780000 + pick(0x1000) * 0x1000;
      w.emit(`vtd_iotlb_page_hit IOTLB page hit sid ${d.sid} iova 0x${hx(iova)} slpte 0x${hx(gpa | 3)} domain 0x${hx(d.domain)}`);
      w.emit(`vtd_dmar_translate dev ${d.bdf} iova 0x${hx(page)} -> gpa 0x${hx(gpa)} mask 0xfff`);
      const inv = pick(1000);
      if (inv < 250) w.emit(`vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x${hx(d.domain)} addr 0x${hx(page)} mask 0x${hx(pick(3))}`);
      else if (inv < 253) w.emit(`vtd_inv_desc_iotlb_domain iotlb invalidate whole domain 0x${hx(d.domain)}`);
      else if (inv < 254) w.emit('vtd_inv_desc_iotlb_global iotlb invalidate global');
    } else {
      const q = pick(3);
      const elem = `0x${hx(0x562493f86320 + pick(64) * 0x40)}`;
      w.emit(`virtio_queue_notify vdev ${VDEV} n ${q} vq ${VQS[q]}`);
      w.emit(`virtqueue_pop vq ${VQS[q]} elem ${elem} in_num ${pick(2)} out_num ${1 + pick(2)}`);
      w.emit(`virtqueue_fill vq ${VQS[q]} elem ${elem} len ${pick(1600)} idx 0`);
      w.emit(`virtqueue_flush vq ${VQS[q]} count 1`);
    }
  }
  return w.close(path);
}

/** `pairs` dma_map/dma_unmap pairs of one device, each unmapped right after its map. */
export function generatePairsTrace(path: string, pairs: number, seed = 1): GeneratedTrace {
  const rand = prng(seed);
  const w = new LineWriter(path, 2 * pairs + 1, rand);
  w.emit(`vhost_vdpa_listener_begin_batch vdpa_shared:${VDPA} fd: 16 msg_type: 2 type: 5`);
  let iova = 0x1000n;
  for (let i = 0; i < pairs; i++) {
    const len = BigInt(1 + Math.floor(rand() * 64)) << 12n;
    const hva = HVA_BASE + (BigInt(Math.floor(rand() * 0x4000)) << 20n);
    w.emit(`vhost_vdpa_dma_map vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(iova)} size: 0x${hx(len)} uaddr: 0x${hx(hva)} perm: 0x3 type: 2`);
    w.emit(`vhost_vdpa_dma_unmap vdpa_shared:${VDPA} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(iova)} size: 0x${hx(len)} type: 3`);
    iova += len;
  }
  return w.close(path);
}
