// vhost_svq_translate_addr: how the shadow virtqueue turns guest buffers into device IOVAs.
// Reproduced with its quirks: the needle is one byte too long (size = iov_len, while DMAMap
// sizes are inclusive), the node is the FIRST overlap in key order (not the containing one),
// the address is computed in u64 before the bounds check, and the bounds check is done without
// wrap (Int128 in QEMU). Together these let a node that merely starts right after the buffer
// win in the IOVA-ordered HVA tree and yield a wrong IOVA that passes the check (semantics §9.8).
import type { DMAMap } from './dmaMap.js';
import { add64, hex, sub64 } from './u64.js';
import type { VhostIovaTree } from './vhostIovaTree.js';

export interface SvqBuffer {
  /** iov_base as a host virtual address */
  hva: bigint;
  /** iov_len (a length, not an inclusive size) */
  len: bigint;
  /** the guest physical address of this chunk; when present the GPA tree is used (QEMU 10.0+) */
  gpa?: bigint;
}

export type SvqFailure = 'invalid-address' | 'expands-over-range';

export type SvqBufferResult =
  | { ok: true; iova: bigint; node: DMAMap; via: 'gpa' | 'hva' }
  | { ok: false; reason: 'invalid-address'; message: string; via: 'gpa' | 'hva' }
  /** `iova` is what QEMU had already written into addrs[i] before the check failed */
  | { ok: false; reason: 'expands-over-range'; message: string; via: 'gpa' | 'hva'; iova: bigint; node: DMAMap };

export interface SvqTranslation {
  ok: boolean;
  /** one entry per buffer QEMU looked at: it stops at the first failure, like QEMU */
  results: SvqBufferResult[];
}

/**
 * Translate `buffers` as one vhost_svq_translate_addr call. QEMU passes a GPA array for all
 * buffers or none; here a buffer with `gpa` takes the GPA path and one without takes the HVA
 * path. A legacy-layout tree (QEMU ≤ 9.2) always takes the HVA path: those versions had no
 * GPA array.
 */
export function svqTranslateAddr(tree: VhostIovaTree, buffers: readonly SvqBuffer[]): SvqTranslation {
  const results: SvqBufferResult[] = [];
  for (const buf of buffers) {
    const via = buf.gpa !== undefined && tree.layout === 'current' ? 'gpa' : 'hva';
    const t = via === 'gpa' ? (buf.gpa as bigint) : buf.hva;
    // size = iov_len, not iov_len - 1: the needle covers one byte past the buffer.
    const needle = { translatedAddr: t, size: buf.len };
    const node = via === 'gpa' ? tree.findGpa(needle) : tree.findIova(needle);
    if (node === undefined) {
      results.push({ ok: false, reason: 'invalid-address', message: `Invalid address ${hex(t)} given by guest`, via });
      return { ok: false, results };
    }
    const iova = add64(node.iova, sub64(t, node.translatedAddr));
    // Bounds are compared without wrap; for iov_len 0 the buffer's "last byte" is t - 1.
    // Nodes of a vhost tree never wrap in translated space (map_alloc refuses that).
    const bufferLast = t + buf.len - 1n;
    const nodeLast = node.translatedAddr + node.size;
    if (bufferLast > nodeLast) {
      results.push({ ok: false, reason: 'expands-over-range', message: 'Guest buffer expands over iova range', via, iova, node });
      return { ok: false, results };
    }
    results.push({ ok: true, iova, node, via });
  }
  return { ok: true, results };
}
