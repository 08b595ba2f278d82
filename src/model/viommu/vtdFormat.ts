// Intel VT-d in-memory structures as QEMU's intel-iommu model reads them (legacy mode):
// root entries, context entries and second-level page-table entries. Bit positions are
// interface facts from the VT-d spec / QEMU headers; the decoding code is ours.
import { hex } from '../u64.js';

export const VTD_PAGE_SHIFT = 12n;
export const VTD_PAGE_SIZE = 1n << VTD_PAGE_SHIFT;
/** 512 entries of 8 bytes per second-level table; 256 root/context entries of 16 bytes. */
export const VTD_TABLE_BYTES = 4096;

/** QEMU's VTDFaultReason numbers (what `vtd_dmar_fault ... fault N` prints). */
export const VtdFault = {
  ROOT_ENTRY_P: 1,
  CONTEXT_ENTRY_P: 2,
  CONTEXT_ENTRY_INV: 3,
  ADDR_BEYOND_MGAW: 4,
  WRITE: 5,
  READ: 6,
  PAGING_ENTRY_INV: 7,
  ROOT_TABLE_INV: 8,
  CONTEXT_TABLE_INV: 9,
  ROOT_ENTRY_RSVD: 0xa,
  CONTEXT_ENTRY_RSVD: 0xb,
  PAGING_ENTRY_RSVD: 0xc,
  CONTEXT_ENTRY_TT: 0xd,
  INTERRUPT_ADDR: 0xe,
} as const;
export type VtdFaultReason = (typeof VtdFault)[keyof typeof VtdFault];

/** Configuration of the emulated intel-iommu device (its -device properties and caps). */
export interface VtdConfig {
  /** aw-bits: 39 (QEMU default, 3-level only) or 48 (3- and 4-level). 57 is spec-only (adds 5-level). */
  awBits: 39 | 48 | 57;
  /** ECAP.DT (device-iotlb=on): allows translation type 1 and the TM bit in leaf PTEs. */
  dtSupported: boolean;
  /** ECAP.PT (pt=on, QEMU default): allows translation type 2 (pass-through). */
  ptSupported: boolean;
  /** snoop-control=on: bit 11 (SNP) of leaf PTEs stops being reserved. */
  snoopControl: boolean;
}

export const defaultVtdConfig = (over: Partial<VtdConfig> = {}): VtdConfig => ({
  awBits: 39,
  dtSupported: false,
  ptSupported: true,
  snoopControl: false,
  ...over,
});

/** VTD_HAW_MASK: QEMU uses aw-bits as the host address width, so table pointers are cut to it. */
export const hawMask = (aw: number): bigint => (1n << BigInt(aw)) - 1n;
/** Address bits of a table pointer / PTE: 4 KiB aligned and below the host address width. */
export const tableAddr = (v: bigint, aw: number): bigint => v & ~0xfffn & hawMask(aw);

/** Page-table levels a context entry may ask for, given SAGAW (39 → 3; 48 → 3,4; 57 → 3,4,5). */
export const supportedLevels = (c: VtdConfig): number[] => (c.awBits === 39 ? [3] : c.awBits === 48 ? [3, 4] : [3, 4, 5]);

/** Bit 10 of RTADDR: the root table is in scalable mode (RTADDR_SMT). Bit 11 is also TTM. */
export const RTADDR_SMT = 1n << 10n;

// ---------------------------------------------------------------------------------------------
// Root and context entries (legacy mode, 16 bytes each: lo then hi, little endian)

/** Reserved bits of a legacy root entry's lo word (VTD_ROOT_ENTRY_RSVD): 11:1 and above HAW. */
export const rootEntryRsvd = (aw: number): bigint => 0xffen | (~hawMask(aw) & 0xffff_ffff_ffff_ffffn);

export interface RootEntry {
  lo: bigint;
  hi: bigint;
  present: boolean;
  contextTable: bigint;
}

export const decodeRootEntry = (lo: bigint, hi: bigint, aw: number): RootEntry => ({
  lo,
  hi,
  present: (lo & 1n) === 1n,
  contextTable: tableAddr(lo, aw),
});

export type TranslationType = 'multi-level' | 'device-iotlb' | 'pass-through' | 'reserved';
const TT_NAMES: TranslationType[] = ['multi-level', 'device-iotlb', 'pass-through', 'reserved'];

/** VTD_CONTEXT_ENTRY_RSVD_LO / _HI: lo bits 11:4 and above HAW; hi bit 7 and bits 63:24. */
export const contextRsvdLo = (aw: number): bigint => 0xff0n | (~hawMask(aw) & 0xffff_ffff_ffff_ffffn);
export const CONTEXT_RSVD_HI = 0xffff_ffff_ff00_0080n;

export interface ContextEntry {
  lo: bigint;
  hi: bigint;
  present: boolean;
  /** fault processing disable: QEMU suppresses fault reporting, translation still fails */
  fpd: boolean;
  tt: TranslationType;
  /** AW field: 1 → 39-bit/3-level, 2 → 48-bit/4-level, 3 → 57-bit/5-level */
  aw: number;
  levels: number;
  /** adjusted guest address width = 30 + 9·AW */
  agaw: number;
  domainId: number;
  slptptr: bigint;
}

export function decodeContextEntry(lo: bigint, hi: bigint, awBits: number): ContextEntry {
  const aw = Number(hi & 7n);
  return {
    lo,
    hi,
    present: (lo & 1n) === 1n,
    fpd: (lo & 2n) === 2n,
    tt: TT_NAMES[Number((lo >> 2n) & 3n)]!,
    aw,
    levels: aw + 2,
    agaw: 30 + 9 * aw,
    domainId: Number((hi >> 8n) & 0xffffn),
    slptptr: tableAddr(lo, awBits),
  };
}

// ---------------------------------------------------------------------------------------------
// Second-level PTEs

export const SL_R = 1n;
export const SL_W = 2n;
export const SL_PS = 1n << 7n;
export const SL_SNP = 1n << 11n;
export const SL_TM = 1n << 62n;
/** Bits 52-61 and 63 are ignored by hardware (VTD_SL_IGN_COM). */
export const SL_IGN_COM = 0xbff0_0000_0000_0000n;
const M64 = 0xffff_ffff_ffff_ffffn;

/** Bits translated by one entry at `level`: 12 + 9·(level-1). */
export const levelShift = (level: number): bigint => VTD_PAGE_SHIFT + 9n * BigInt(level - 1);
export const levelPageSize = (level: number): bigint => 1n << levelShift(level);
/** Index of `iova` in a table of `level`. */
export const levelIndex = (iova: bigint, level: number): number => Number((iova >> levelShift(level)) & 0x1ffn);

/** A PTE is a leaf at level 1, or with PS at levels 2 (2 MiB) and 3 (1 GiB). */
export const isLeaf = (pte: bigint, level: number): boolean => level === 1 || (pte & SL_PS) !== 0n;

/**
 * Reserved bits of a second-level PTE as QEMU checks them (vtd_slpte_nonzero_rsvd): bits above
 * HAW that are not ignored, SNP unless snoop control, TM unless device-IOTLB is supported (leaf
 * only), the address bits inside a superpage, and PS at level 4 (no 512 GiB pages).
 */
export function pteReservedMask(level: number, large: boolean, c: VtdConfig): bigint {
  const aboveHaw = (allowTm: boolean): bigint => ~(hawMask(c.awBits) | SL_IGN_COM | (allowTm ? SL_TM : 0n)) & M64;
  let mask: bigint;
  if (large && level === 2) mask = 0x1ff800n | aboveHaw(c.dtSupported);
  else if (large && level === 3) mask = 0x3fff_f800n | aboveHaw(c.dtSupported);
  else if (level === 1) mask = 0x800n | aboveHaw(c.dtSupported);
  else if (level === 4) mask = 0x880n | aboveHaw(false);
  else mask = 0x800n | aboveHaw(false); // levels 2, 3 (tables) and 5 (spec: PS reserved too)
  if (level === 5) mask |= SL_PS;
  // Snoop control frees SNP only in the entries QEMU adjusts: leaf PTEs and superpages.
  if (c.snoopControl && (level === 1 || large)) mask &= ~SL_SNP;
  return mask;
}

export const describePte = (pte: bigint): string =>
  `${hex(pte)} (${pte & SL_R ? 'R' : '-'}${pte & SL_W ? 'W' : '-'}${pte & SL_PS ? ' PS' : ''})`;

// The interrupt window a DMA translation must not land in (VT-d 3.14, QEMU ≥ 7.1).
export const INTERRUPT_ADDR_FIRST = 0xfee0_0000n;
export const INTERRUPT_ADDR_LAST = 0xfeef_ffffn;
