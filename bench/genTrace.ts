// Synthetic but realistic QEMU trace for benchmarks: vhost-vdpa listener/map traffic with SVQ
// IOVAs, VT-d translations and invalidations, and virtqueue activity, as the log backend prints
// them (blocks with and without the TID@SEC.USEC: prefix). Deterministic for a given seed.
import { openSync, writeSync, closeSync } from 'node:fs';
import { prng as rng } from '../src/shared/prng.js';

export interface GeneratedTrace {
  path: string;
  lines: number;
  bytes: number;
}

const hx = (n: number | bigint): string => n.toString(16);

export function generateTrace(path: string, lines: number, seed = 1): GeneratedTrace {
  const rand = rng(seed);
  const pick = (n: number): number => Math.floor(rand() * n);
  const vdpa = '0x55d2c1a4e2b0';
  const vdev = '0x5624944821d0';
  const vqs = ['0x7ff8a0c2e010', '0x7ff8a0c2e0a8', '0x7ff8a0c2e140'];
  let nextIova = 0x1000n;
  let usec = 100137;
  const fd = openSync(path, 'w');
  let out: string[] = [];
  let bytes = 0;
  let n = 0;
  const emit = (s: string): void => {
    if (n >= lines) return;
    // blocks of 4096 lines alternate between prefixed and bare lines
    const line = ((n >> 12) & 1) === 1 ? `4242@${1700000000 + Math.floor(usec / 1e6)}.${String(usec % 1e6).padStart(6, '0')}:${s}` : s;
    usec += 1 + pick(300);
    out.push(line);
    n++;
    if (out.length >= 8192) flush();
  };
  const flush = (): void => {
    const text = out.join('\n') + '\n';
    bytes += Buffer.byteLength(text);
    writeSync(fd, text);
    out = [];
  };
  while (n < lines) {
    const r = pick(100);
    if (r < 12) {
      // a memory section comes and goes: region_add, batch map, region_del, batch unmap
      const gpa = BigInt(pick(0x4000)) << 20n;
      const len = BigInt(1 + pick(64)) << 12n;
      const hva = 0x7f7903e00000n + gpa;
      const iova = nextIova;
      nextIova += len;
      emit(`vhost_vdpa_listener_region_add vdpa: ${vdpa} iova 0x${hx(gpa)} llend 0x${hx(gpa + len)} vaddr: 0x${hx(hva)} read-only: 0`);
      emit(`vhost_vdpa_listener_begin_batch vdpa_shared:${vdpa} fd: 16 msg_type: 2 type: 5`);
      emit(`vhost_vdpa_dma_map vdpa_shared:${vdpa} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(iova)} size: 0x${hx(len)} uaddr: 0x${hx(hva)} perm: 0x3 type: 2`);
      emit(`vhost_vdpa_listener_commit vdpa_shared:${vdpa} fd: 16 msg_type: 2 type: 6`);
      emit(`vhost_vdpa_listener_region_del vdpa: ${vdpa} iova 0x${hx(gpa)} llend 0x${hx(gpa + len - 1n)}`);
      emit(`vhost_vdpa_dma_unmap vdpa_shared:${vdpa} fd: 16 msg_type: 2 asid: 0 iova: 0x${hx(iova)} size: 0x${hx(len)} type: 3`);
    } else if (r < 50) {
      const iova = 0xffff0000 + pick(0x1000) * 16;
      const page = iova - (iova % 0x1000);
      const gpa = 0x14780000 + pick(0x1000) * 0x1000;
      emit(`vtd_iotlb_page_hit IOTLB page hit sid 0x10 iova 0x${hx(iova)} slpte 0x${hx(gpa | 3)} domain 0x4`);
      emit(`vtd_dmar_translate dev 00:02.00 iova 0x${hx(page)} -> gpa 0x${hx(gpa)} mask 0xfff`);
      if (pick(4) === 0) emit(`vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr 0x${hx(page)} mask 0x${hx(pick(3))}`);
    } else {
      const q = pick(3);
      const elem = `0x${hx(0x562493f86320 + pick(64) * 0x40)}`;
      emit(`virtio_queue_notify vdev ${vdev} n ${q} vq ${vqs[q]}`);
      emit(`virtqueue_pop vq ${vqs[q]} elem ${elem} in_num ${pick(2)} out_num ${1 + pick(2)}`);
      emit(`virtqueue_fill vq ${vqs[q]} elem ${elem} len ${pick(1600)} idx 0`);
      emit(`virtqueue_flush vq ${vqs[q]} count 1`);
    }
  }
  flush();
  closeSync(fd);
  return { path, lines: n, bytes };
}
