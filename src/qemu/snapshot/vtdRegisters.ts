// The VT-d register block as the guest programmed it, read through the gdbstub in physical mode:
// CAP/ECAP give the walker its configuration (aw-bits, device-IOTLB, pass-through, snoop
// control), GSTS says whether remapping is on and the root pointer latched, RTADDR where the root
// table is. One 0x28-byte read: QEMU splits it into naturally aligned 8-byte MMIO accesses,
// which the unit accepts; the rest of the page is unassigned and would fail a page-sized read.
import { le64 } from '../../model/viommu/guestPages.js';
import { defaultVtdConfig, type VtdConfig } from '../../model/viommu/vtdFormat.js';
import { hex } from '../../model/u64.js';
import type { GdbClient } from '../gdb/gdbClient.js';
import type { SnapshotVtd } from './types.js';

/** Q35_HOST_BRIDGE_IOMMU_ADDR: where q35 maps the VT-d unit (and what the DMAR table says). */
export const Q35_VTD_BASE = 0xfed9_0000n;

const CAP_REG = 0x08;
const ECAP_REG = 0x10;
const GSTS_REG = 0x1c;
const RTADDR_REG = 0x20;
const READ_LEN = 0x28;

const GSTS_TES = 1n << 31n;
const GSTS_RTPS = 1n << 30n;
const ECAP_DT = 1n << 2n;
const ECAP_PT = 1n << 6n;
const ECAP_SC = 1n << 7n;

/** Decode CAP/ECAP into the walker's configuration. MGAW (CAP 21:16) is aw-bits − 1. */
export function vtdConfigFromCaps(cap: bigint, ecap: bigint): VtdConfig {
  const mgaw = Number((cap >> 16n) & 0x3fn) + 1;
  if (mgaw !== 39 && mgaw !== 48 && mgaw !== 57) throw new Error(`VT-d CAP ${hex(cap)}: MGAW gives ${mgaw}-bit addresses; QEMU only models 39 and 48`);
  return defaultVtdConfig({ awBits: mgaw, dtSupported: (ecap & ECAP_DT) !== 0n, ptSupported: (ecap & ECAP_PT) !== 0n, snoopControl: (ecap & ECAP_SC) !== 0n });
}

/** Decode the first 0x28 bytes of the register block. */
export function decodeVtdRegisters(base: bigint, bytes: Uint8Array): SnapshotVtd {
  if (bytes.length < READ_LEN) throw new Error(`VT-d registers at ${hex(base)}: got ${bytes.length} bytes, need ${READ_LEN}`);
  const cap = le64(bytes, CAP_REG);
  const ecap = le64(bytes, ECAP_REG);
  const gsts = le64(bytes, GSTS_REG) & 0xffff_ffffn;
  const rtaddr = le64(bytes, RTADDR_REG);
  return {
    base,
    cap,
    ecap,
    gsts,
    translationEnabled: (gsts & GSTS_TES) !== 0n,
    rtaddr: (gsts & GSTS_RTPS) !== 0n ? rtaddr : null,
    config: vtdConfigFromCaps(cap, ecap),
  };
}

/** Read and decode the registers; the caller is inside a physical-mode section. */
export async function readVtdRegisters(gdb: GdbClient, base = Q35_VTD_BASE): Promise<SnapshotVtd> {
  return decodeVtdRegisters(base, await gdb.memory.read(base, READ_LEN));
}
