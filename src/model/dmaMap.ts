// QEMU's DMAMap (util/iova-tree): a range [iova, iova + size] with size INCLUSIVE (length - 1).
import type { Perm } from './access.js';

export interface DMAMap {
  iova: bigint;
  /** translated_addr: HVA (host-only maps), GPA (GPA tree, VT-d shadow) depending on the tree */
  translatedAddr: bigint;
  /** inclusive: last byte is iova + size */
  size: bigint;
  perm: Perm;
}

/** QEMU's return codes (IOVA_OK / IOVA_ERR_*). */
export const IOVA_OK = 0;
export const IOVA_ERR_INVALID = -1;
export const IOVA_ERR_OVERLAP = -2;
export const IOVA_ERR_NOMEM = -3;
export type IovaRet = typeof IOVA_OK | typeof IOVA_ERR_INVALID | typeof IOVA_ERR_OVERLAP | typeof IOVA_ERR_NOMEM;

export const copyMap = (m: DMAMap): DMAMap => ({ iova: m.iova, translatedAddr: m.translatedAddr, size: m.size, perm: m.perm });
