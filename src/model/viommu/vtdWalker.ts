// Translate one guest IOVA of one device the way QEMU's intel-iommu does on an IOTLB miss:
// root entry → context entry → second-level tables, legacy (non-scalable) mode. Faults come
// back as values with QEMU's fault reason and a sentence naming the device, level and IOVA.
import { accessFlag, type Perm } from '../access.js';
import { hex } from '../u64.js';
import { bdfText, devfnOf, type PciBdf } from '../pciAddress.js';
import { le64, type GpaReader, type SyncGpaReader, type TablePageMemo } from './guestPages.js';
import {
  CONTEXT_RSVD_HI,
  contextRsvdLo,
  decodeContextEntry,
  decodeRootEntry,
  describePte,
  INTERRUPT_ADDR_FIRST,
  INTERRUPT_ADDR_LAST,
  isLeaf,
  levelIndex,
  levelPageSize,
  pteReservedMask,
  rootEntryRsvd,
  RTADDR_SMT,
  SL_R,
  SL_W,
  supportedLevels,
  tableAddr,
  VtdFault,
  type ContextEntry,
  type TranslationType,
  type VtdConfig,
  type VtdFaultReason,
} from './vtdFormat.js';
import { needPage, runWalkAsync, runWalkSync, type PageFetch, type TableWalk } from './walkDriver.js';

/** One table entry the walk read, in order, for the UI to show the walk. */
export interface VtdWalkStep {
  what: 'root' | 'context' | 'pte';
  /** page-table level for PTEs (3 or 4 at the top, 1 at the bottom) */
  level?: number;
  index: number;
  /** GPA of the entry itself */
  entryGpa: bigint;
  /** the entry (lo word for root/context entries) */
  value: bigint;
  hi?: bigint;
}

export type VtdFaultKind = 'unsupported' | 'not-present' | 'reserved' | 'unreadable' | 'invalid' | 'permission' | 'beyond-aw' | 'interrupt-range';

export type VtdWalkResult =
  | {
      ok: true;
      device: string;
      iova: bigint;
      gpa: bigint;
      perm: Perm;
      /** level of the leaf: 1 (4 KiB), 2 (2 MiB), 3 (1 GiB); 0 for pass-through */
      level: number;
      pageSize: bigint;
      /** addr_mask as QEMU reports it: pageSize - 1 */
      addrMask: bigint;
      domainId: number;
      translationType: TranslationType;
      /** the leaf PTE (undefined for pass-through) */
      leaf?: bigint;
      steps: VtdWalkStep[];
    }
  | {
      ok: false;
      device: string;
      iova: bigint;
      kind: VtdFaultKind;
      /** QEMU's VTDFaultReason (what vtd_dmar_fault prints); absent when QEMU has no such fault */
      faultReason?: VtdFaultReason;
      reason: string;
      domainId?: number;
      steps: VtdWalkStep[];
    };

export interface VtdWalkRequest {
  /** RTADDR register value (bit 10 set = scalable mode, which is refused) */
  rtaddr: bigint;
  device: PciBdf;
  iova: bigint;
  /** which permission the DMA needs; QEMU checks R for reads and W for writes at each level */
  access?: 'read' | 'write';
  config: VtdConfig;
}

export type ContextLookup =
  | { ok: true; ce: ContextEntry; steps: VtdWalkStep[] }
  | { ok: false; kind: VtdFaultKind; faultReason?: VtdFaultReason; reason: string; steps: VtdWalkStep[] };

type Fail = Extract<ContextLookup, { ok: false }>;
const fail = (kind: VtdFaultKind, faultReason: VtdFaultReason | undefined, reason: string, steps: VtdWalkStep[]): Fail =>
  faultReason === undefined ? { ok: false, kind, reason, steps } : { ok: false, kind, faultReason, reason, steps };

const ALL_ONES = 0xffff_ffff_ffff_ffffn;
const entryAt = (page: Uint8Array, gpa: bigint): bigint => le64(page, Number(gpa & 0xfffn));

/** vtd_dev_to_context_entry, legacy mode: root entry by bus, context entry by devfn, and checks. */
export function* lookupContext(rtaddr: bigint, dev: PciBdf, c: VtdConfig): TableWalk<ContextLookup> {
  const steps: VtdWalkStep[] = [];
  const name = bdfText(dev);
  if (rtaddr & RTADDR_SMT)
    return fail('unsupported', undefined, `root table ${hex(rtaddr & ~0xfffn)} is in scalable mode (RTADDR bit 10 set); only legacy-mode walks are supported`, steps);
  const rootTable = rtaddr & ~0xfffn;
  const reAddr = rootTable + BigInt(dev.bus) * 16n;
  const rootPage: PageFetch = yield* needPage(reAddr);
  if (rootPage instanceof Error) return fail('unreadable', VtdFault.ROOT_TABLE_INV, `root entry for bus ${hex(BigInt(dev.bus))} at ${hex(reAddr)}: ${rootPage.message}`, steps);
  const re = decodeRootEntry(entryAt(rootPage, reAddr), entryAt(rootPage, reAddr + 8n), c.awBits);
  steps.push({ what: 'root', index: dev.bus, entryGpa: reAddr, value: re.lo, hi: re.hi });
  if (!re.present) return fail('not-present', VtdFault.ROOT_ENTRY_P, `root entry for bus ${dev.bus.toString(16).padStart(2, '0')} not present (entry ${hex(reAddr)} = ${hex(re.lo)})`, steps);
  if (re.hi !== 0n || (re.lo & rootEntryRsvd(c.awBits)) !== 0n)
    return fail('reserved', VtdFault.ROOT_ENTRY_RSVD, `root entry for bus ${dev.bus.toString(16).padStart(2, '0')} at ${hex(reAddr)} has reserved bits set (lo ${hex(re.lo)} hi ${hex(re.hi)})`, steps);

  const devfn = devfnOf(dev);
  const ceAddr = re.contextTable + BigInt(devfn) * 16n;
  const ctxPage: PageFetch = yield* needPage(ceAddr);
  if (ctxPage instanceof Error) return fail('unreadable', VtdFault.CONTEXT_TABLE_INV, `context entry for ${name} at ${hex(ceAddr)}: ${ctxPage.message}`, steps);
  const ce = decodeContextEntry(entryAt(ctxPage, ceAddr), entryAt(ctxPage, ceAddr + 8n), c.awBits);
  steps.push({ what: 'context', index: devfn, entryGpa: ceAddr, value: ce.lo, hi: ce.hi });
  if (!ce.present) return fail('not-present', VtdFault.CONTEXT_ENTRY_P, `context entry for ${name} not present (entry ${hex(ceAddr)} = ${hex(ce.lo)})`, steps);
  if (!supportedLevels(c).includes(ce.levels))
    return fail('invalid', VtdFault.CONTEXT_ENTRY_INV, `context entry for ${name} asks for ${ce.levels}-level tables (AW=${ce.aw}), aw-bits=${c.awBits} supports ${supportedLevels(c).join('/')}-level`, steps);
  if ((ce.hi & CONTEXT_RSVD_HI) !== 0n || (ce.lo & contextRsvdLo(c.awBits)) !== 0n)
    return fail('reserved', VtdFault.CONTEXT_ENTRY_RSVD, `context entry for ${name} at ${hex(ceAddr)} has reserved bits set (lo ${hex(ce.lo)} hi ${hex(ce.hi)})`, steps);
  const ttProblem =
    ce.tt === 'reserved' ? 'reserved translation type 3'
    : ce.tt === 'device-iotlb' && !c.dtSupported ? 'device-IOTLB translation type but the vIOMMU has device-iotlb=off'
    : ce.tt === 'pass-through' && !c.ptSupported ? 'pass-through translation type but the vIOMMU has pt=off'
    : undefined;
  if (ttProblem) return fail('invalid', VtdFault.CONTEXT_ENTRY_INV, `context entry for ${name}: ${ttProblem}`, steps);
  return { ok: true, ce, steps };
}

/** The walk QEMU does on an IOTLB miss (vtd_iova_to_slpte plus the pass-through shortcut). */
export function* translateWalk(req: VtdWalkRequest): TableWalk<VtdWalkResult> {
  const device = bdfText(req.device);
  const { iova, config: c } = req;
  if (iova < 0n || iova > 0xffff_ffff_ffff_ffffn) return { ok: false, device, iova, kind: 'invalid', reason: `IOVA ${hex(iova)} is not a 64-bit address`, steps: [] };
  const ctx = yield* lookupContext(req.rtaddr, req.device, c);
  if (!ctx.ok) return { ...ctx, device, iova };
  const { ce, steps } = ctx;
  const base = { device, iova, domainId: ce.domainId, translationType: ce.tt, steps };
  if (ce.tt === 'pass-through')
    return { ok: true, ...base, gpa: iova, perm: 3, level: 0, pageSize: 0x1000n, addrMask: 0xfffn };

  const limit = 1n << BigInt(Math.min(ce.agaw, c.awBits));
  if (iova >= limit)
    return { ok: false, ...base, kind: 'beyond-aw', faultReason: VtdFault.ADDR_BEYOND_MGAW, reason: `IOVA ${hex(iova)} of ${device} is beyond the ${Math.min(ce.agaw, c.awBits)}-bit address width (limit ${hex(limit)})` };

  const write = req.access === 'write';
  let reads = true;
  let writes = true;
  let table = ce.slptptr;
  for (let level = ce.levels; ; level--) {
    const index = levelIndex(iova, level);
    const at = table + BigInt(index) * 8n;
    const page: PageFetch = yield* needPage(at);
    if (page instanceof Error) {
      const top = level === ce.levels;
      return { ok: false, ...base, kind: 'unreadable', faultReason: top ? VtdFault.CONTEXT_ENTRY_INV : VtdFault.PAGING_ENTRY_INV, reason: `PTE at level ${level} for IOVA ${hex(iova)} of ${device}: ${page.message}` };
    }
    const pte = entryAt(page, at);
    steps.push({ what: 'pte', level, index, entryGpa: at, value: pte });
    // QEMU's PTE reader returns all-ones for a failed read, so a PTE that really is all-ones
    // is taken as unreadable too.
    if (pte === ALL_ONES) {
      const top = level === ce.levels;
      return { ok: false, ...base, kind: 'unreadable', faultReason: top ? VtdFault.CONTEXT_ENTRY_INV : VtdFault.PAGING_ENTRY_INV, reason: `PTE at level ${level} for IOVA ${hex(iova)} of ${device} reads as all-ones (entry ${hex(at)}), which QEMU treats as a failed read` };
    }
    reads &&= (pte & SL_R) !== 0n;
    writes &&= (pte & SL_W) !== 0n;
    // QEMU checks the needed permission before the reserved bits, so a non-present entry with
    // junk in it is a read/write fault, as vtd_dmar_fault shows.
    if ((pte & (write ? SL_W : SL_R)) === 0n) {
      const what = (pte & (SL_R | SL_W)) === 0n ? 'not present' : `not ${write ? 'writable' : 'readable'}`;
      return { ok: false, ...base, kind: what === 'not present' ? 'not-present' : 'permission', faultReason: write ? VtdFault.WRITE : VtdFault.READ, reason: `PTE at level ${level} for IOVA ${hex(iova)} of ${device} ${what} (entry ${hex(at)} = ${describePte(pte)})` };
    }
    const leaf = isLeaf(pte, level);
    const rsvd = pte & pteReservedMask(level, leaf && level > 1, c);
    if (rsvd !== 0n)
      return { ok: false, ...base, kind: 'reserved', faultReason: VtdFault.PAGING_ENTRY_RSVD, reason: `PTE at level ${level} for IOVA ${hex(iova)} of ${device} has reserved bits ${hex(rsvd)} set (entry ${hex(at)} = ${describePte(pte)})` };
    if (leaf) {
      const pageSize = levelPageSize(level);
      const xlat = tableAddr(pte, c.awBits);
      if (!(xlat > INTERRUPT_ADDR_LAST || xlat + pageSize - 1n < INTERRUPT_ADDR_FIRST))
        return { ok: false, ...base, kind: 'interrupt-range', faultReason: VtdFault.INTERRUPT_ADDR, reason: `IOVA ${hex(iova)} of ${device} translates into the interrupt window 0xfee00000-0xfeefffff (${hex(xlat)})` };
      const gpa = (xlat & ~(pageSize - 1n)) | (iova & (pageSize - 1n));
      return { ok: true, ...base, gpa, perm: accessFlag(reads, writes), level, pageSize, addrMask: pageSize - 1n, leaf: pte };
    }
    table = tableAddr(pte, c.awBits);
  }
}

/** Walk over captured pages (snapshot, tests). */
export const walkVtdSync = (req: VtdWalkRequest, reader: SyncGpaReader, memo?: TablePageMemo): VtdWalkResult =>
  runWalkSync(translateWalk(req), reader, memo);

/** Walk over live guest memory (gdbstub in physical mode); one read per table page. */
export const walkVtd = (req: VtdWalkRequest, reader: GpaReader, memo?: TablePageMemo): Promise<VtdWalkResult> =>
  runWalkAsync(translateWalk(req), reader, memo);
