// The VT-d vIOMMU as QEMU runs it: per-device contexts, the IOTLB cache, invalidations and the
// notifications they cause, fed either by guest memory (a page map or a live reader) or by a
// trace (known translations). Answers GiovaTranslator.translate synchronously.
import { IOMMU_NONE, IOMMU_RW, type Perm } from '../access.js';
import type { GiovaTranslation, GiovaTranslator, Owner } from '../translation.js';
import { hex } from '../u64.js';
import type { GpaReader, SyncGpaReader } from './guestPages.js';
import type { IommuNotifier, NotifyRangeMode } from './iommuNotifier.js';
import { knownOverlaps, KnownTranslations, type KnownTranslation } from './knownTranslations.js';
import { VtdAddressSpace } from './vtdAddressSpace.js';
import { canonicalDevice, decodeContextEntry, defaultVtdConfig, parseBdf, sidOf, type ContextEntry, type VtdConfig } from './vtdFormat.js';
import { psiRange, VtdIotlb } from './vtdIotlb.js';
import { dsiNotify, globalNotify, psiNotify, replayNotifier, type SyncProblem, type VtdTables } from './vtdInvalidation.js';
import { pageWalkRange, type PageWalkOutcome } from './vtdPageWalk.js';
import { lookupContext, translateWalk, walkVtd, type ContextLookup, type VtdWalkResult } from './vtdWalker.js';
import { runWalkSync } from './walkDriver.js';

export interface VtdModelOptions {
  config?: Partial<VtdConfig>;
  /** RTADDR register value; needed for walks */
  rtaddr?: bigint;
  /** guest memory available synchronously (captured pages); enables sync walks and shadow syncs */
  pages?: SyncGpaReader;
  /** live guest memory (gdbstub); used by walk() only */
  reader?: GpaReader;
  /** notifier range handling: 'assert' (QEMU 5.2 … 10.0-era, default) or 'crop' (2025+) */
  notifyMode?: NotifyRangeMode;
}

interface DeviceState {
  /** context entry as last seen in the trace (vtd_iotlb_cc_hit/update) */
  ce?: ContextEntry;
  ceLine?: number;
  /** vtd_switch_address_space: false = DMA not translated (nodmar), IOVA == GPA */
  iommuEnabled?: boolean;
  switchLine?: number;
  /** domain of the last IOTLB event of this source id, for the vtd_dmar_translate that follows */
  lastDomain?: number;
  lastLeaf?: { page: bigint; slpte: bigint; line?: number };
}

export interface VtdFaultRecord {
  device: string;
  reason: number;
  addr: bigint;
  isWrite: boolean;
  line?: number;
}

export class VtdModel implements GiovaTranslator {
  readonly config: VtdConfig;
  readonly iotlb: VtdIotlb;
  readonly known = new KnownTranslations();
  readonly faults: VtdFaultRecord[] = [];
  readonly spaces = new Map<string, VtdAddressSpace>();
  private readonly devices = new Map<string, DeviceState>();
  rtaddr?: bigint;
  pages?: SyncGpaReader;
  reader?: GpaReader;
  readonly notifyMode: NotifyRangeMode;
  readonly tables: VtdTables;

  constructor(opts: VtdModelOptions = {}) {
    this.config = defaultVtdConfig(opts.config);
    this.iotlb = new VtdIotlb(this.config.awBits);
    if (opts.rtaddr !== undefined) this.rtaddr = opts.rtaddr;
    if (opts.pages) this.pages = opts.pages;
    if (opts.reader) this.reader = opts.reader;
    this.notifyMode = opts.notifyMode ?? 'assert';
    this.tables = this.makeTables();
  }

  // ------------------------------------------------------------------------------------------
  // Translation

  /**
   * What QEMU would answer now without touching any cache: IOTLB entry, else a translation
   * the trace showed, else a walk of the captured pages. Device-IOTLB is not consulted.
   */
  translate(device: string, giova: bigint, access?: 'read' | 'write'): GiovaTranslation {
    let dev: string;
    try {
      dev = canonicalDevice(device);
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    if (giova < 0n || giova > 0xffff_ffff_ffff_ffffn) return { ok: false, reason: `guest IOVA ${hex(giova)} of ${dev} is not a 64-bit address` };
    const st = this.devices.get(dev);
    if (st?.iommuEnabled === false) {
      const owner: Owner = { kind: 'viommu-bypass', name: `VT-d off for ${dev} (nodmar: IOVA == GPA)`, start: 0n, last: 0xffff_ffff_ffff_ffffn };
      if (st.switchLine !== undefined) owner.createdLine = st.switchLine;
      return { ok: true, gpa: giova, perm: IOMMU_RW, pageMask: 0xfffn, owner };
    }
    const hit = this.iotlb.lookup(sidOf(parseBdf(dev)), giova);
    if (hit) {
      const owner: Owner = { kind: 'iotlb-entry', name: `VT-d IOTLB ${dev} domain ${hex(BigInt(hit.entry.domainId))} ${hex(hit.iova)} -> ${hex(hit.gpa & ~hit.addrMask)}`, start: hit.iova, last: hit.iova + hit.addrMask };
      if (hit.entry.line !== undefined) owner.createdLine = hit.entry.line;
      return this.permChecked(dev, giova, access, hit.entry.perm, { ok: true, gpa: hit.gpa, perm: hit.entry.perm, pageMask: hit.addrMask, owner });
    }
    const k = this.known.lookup(dev, giova);
    if (k) return this.fromKnown(k, giova, access);
    if (this.pages && this.rtaddr !== undefined) {
      const r = runWalkSync(translateWalk({ rtaddr: this.rtaddr, device: parseBdf(dev), iova: giova, config: this.config, ...(access ? { access } : {}) }), this.pages);
      return walkToTranslation(r);
    }
    const ended = this.known.lastEnded(dev, giova);
    if (ended)
      return { ok: false, reason: `no current VT-d translation of ${dev} IOVA ${hex(giova)}: the last one (-> ${hex(ended.gpa)}) ended${ended.removedLine !== undefined ? ` at line ${ended.removedLine}` : ''} (${ended.removedBy ?? 'invalidated'})` };
    return { ok: false, reason: `no VT-d translation known for ${dev} IOVA ${hex(giova)} (no IOTLB entry, no vtd_dmar_translate seen, no guest memory to walk)` };
  }

  /** Live walk through the async reader (or the page map): the guest's tables as they are now. */
  async walk(device: string, giova: bigint, access?: 'read' | 'write'): Promise<VtdWalkResult> {
    const reader = this.reader ?? this.pages;
    if (!reader || this.rtaddr === undefined)
      return { ok: false, device, iova: giova, kind: 'unreadable', reason: `cannot walk VT-d tables for ${device}: ${this.rtaddr === undefined ? 'root table address (RTADDR) unknown' : 'no guest memory reader'}`, steps: [] };
    return walkVtd({ rtaddr: this.rtaddr, device: parseBdf(device), iova: giova, config: this.config, ...(access ? { access } : {}) }, reader);
  }

  /**
   * vtd_do_iommu_translate on the page map: IOTLB hit, or walk and fill the IOTLB. Pass-through
   * devices are not cached, as in QEMU.
   */
  dmaTranslate(device: string, giova: bigint, access: 'read' | 'write' = 'read'): VtdWalkResult | { ok: true; cached: true; gpa: bigint; perm: Perm; addrMask: bigint } {
    const bdf = parseBdf(device);
    const hit = this.iotlb.lookup(sidOf(bdf), giova);
    if (hit) return { ok: true, cached: true, gpa: hit.gpa, perm: hit.entry.perm, addrMask: hit.addrMask };
    if (!this.pages || this.rtaddr === undefined) return { ok: false, device, iova: giova, kind: 'unreadable', reason: `cannot walk VT-d tables for ${device}: no captured guest memory or RTADDR`, steps: [] };
    const r = runWalkSync(translateWalk({ rtaddr: this.rtaddr, device: bdf, iova: giova, config: this.config, access }), this.pages);
    if (r.ok && r.level > 0) this.iotlb.update(sidOf(bdf), giova, { domainId: r.domainId, slpte: r.leaf!, perm: r.perm, level: r.level });
    return r;
  }

  private fromKnown(k: KnownTranslation, giova: bigint, access?: 'read' | 'write'): GiovaTranslation {
    const perm = k.perm ?? IOMMU_RW;
    const owner: Owner = {
      kind: 'viommu-mapping',
      name: `VT-d ${k.device}${k.domainId !== undefined ? ` domain ${hex(BigInt(k.domainId))}` : ''} ${hex(k.iova)} -> ${hex(k.gpa)}${k.perm === undefined ? ' (perm not traced)' : ''}`,
      start: k.iova,
      last: k.iova + k.addrMask,
    };
    if (k.createdLine !== undefined) owner.createdLine = k.createdLine;
    return this.permChecked(k.device, giova, access, perm, { ok: true, gpa: k.gpa + (giova - k.iova), perm, pageMask: k.addrMask, owner });
  }

  private permChecked(dev: string, giova: bigint, access: 'read' | 'write' | undefined, perm: Perm, ok: GiovaTranslation): GiovaTranslation {
    const need = access === 'write' ? 2 : access === 'read' ? 1 : 0;
    if ((perm & need) !== need) return { ok: false, reason: `VT-d translation of ${dev} IOVA ${hex(giova)} does not allow ${access} (perm ${perm})` };
    return ok;
  }

  // ------------------------------------------------------------------------------------------
  // Notifiers and invalidations

  addressSpace(device: string): VtdAddressSpace {
    const dev = canonicalDevice(device);
    let as = this.spaces.get(dev);
    if (!as) this.spaces.set(dev, (as = new VtdAddressSpace(dev, this.notifyMode)));
    return as;
  }

  /** Register a notifier; `replay` does what QEMU does for VFIO (unmap, then MAP every mapping). */
  addNotifier(device: string, n: IommuNotifier, replay = false): SyncProblem[] {
    const as = this.addressSpace(device);
    as.addNotifier(n);
    return replay ? replayNotifier(as, this.tables, n) : [];
  }

  /** Page-selective invalidation (vtd_inv_desc_iotlb_pages: `am` is the order, not a mask). */
  invalidatePages(domainId: number, addr: bigint, am: number, line?: number): SyncProblem[] {
    this.iotlb.invalidatePages(domainId, addr, am);
    const { start, last } = psiRange(addr, am);
    const by = `PSI domain ${hex(BigInt(domainId))} ${hex(start)}..${hex(last)}`;
    this.known.invalidate((t) => (t.domainId === undefined || t.domainId === domainId) && knownOverlaps(t, start, last), line, by);
    return psiNotify(this.spaces.values(), this.tables, domainId, addr, am, line);
  }

  invalidateDomain(domainId: number, line?: number): SyncProblem[] {
    this.iotlb.invalidateDomain(domainId);
    this.known.invalidate((t) => t.domainId === undefined || t.domainId === domainId, line, `DSI domain ${hex(BigInt(domainId))}`);
    return dsiNotify(this.spaces.values(), this.tables, domainId, line);
  }

  invalidateGlobal(line?: number): SyncProblem[] {
    this.iotlb.invalidateGlobal();
    this.known.invalidate(() => true, line, 'global IOTLB invalidation');
    return globalNotify(this.spaces.values(), this.tables, line);
  }

  /** Guest tables as the invalidation code needs them: memory if we have it, else trace facts. */
  private makeTables(): VtdTables {
    return {
      awBits: this.config.awBits,
      context: (device: string): ContextLookup => {
        if (this.pages && this.rtaddr !== undefined) return runWalkSync(lookupContext(this.rtaddr, parseBdf(device), this.config), this.pages);
        const ce = this.devices.get(device)?.ce;
        if (ce) return { ok: true, ce, steps: [] };
        return { ok: false, kind: 'unreadable', reason: `context entry of ${device} unknown: no guest memory and no vtd_iotlb_cc_* line seen`, steps: [] };
      },
      walkRange: (ce: ContextEntry, start: bigint, end: bigint): PageWalkOutcome => {
        if (!this.pages) return { ok: false, reason: `cannot resync shadow page tables of domain ${ce.domainId}: no guest memory` };
        return runWalkSync(pageWalkRange(ce, start, end, this.config), this.pages);
      },
    };
  }

  // ------------------------------------------------------------------------------------------
  // Trace-fed facts (see vtdTraceFeed.ts for the event-name dispatch)

  private dev(device: string): DeviceState {
    let st = this.devices.get(device);
    if (!st) this.devices.set(device, (st = {}));
    return st;
  }

  deviceState(device: string): Readonly<DeviceState> | undefined {
    return this.devices.get(canonicalDevice(device));
  }

  /** vtd_iotlb_cc_hit / vtd_iotlb_cc_update: the context entry QEMU used (hi, lo). */
  noteContext(device: string, hi: bigint, lo: bigint, line?: number): void {
    const st = this.dev(canonicalDevice(device));
    st.ce = decodeContextEntry(lo, hi, this.config.awBits);
    st.lastDomain = st.ce.domainId;
    if (line !== undefined) st.ceLine = line;
  }

  noteSwitch(device: string, iommuEnabled: boolean, line?: number): void {
    const dev = canonicalDevice(device);
    const st = this.dev(dev);
    st.iommuEnabled = iommuEnabled;
    if (line !== undefined) st.switchLine = line;
    if (!iommuEnabled) this.known.invalidate((t) => t.device === dev, line, `VT-d switched off for ${dev}`);
  }

  /**
   * vtd_iotlb_page_update / _hit: remembered for the vtd_dmar_translate that follows. The level
   * is not traced; that line's mask supplies it.
   */
  noteIotlbEntry(sid: number, addr: bigint, slpte: bigint, domainId: number, line?: number): void {
    const dev = canonicalDevice(formatSid(sid));
    const st = this.dev(dev);
    st.lastDomain = domainId;
    st.lastLeaf = line === undefined ? { page: addr & ~0xfffn, slpte } : { page: addr & ~0xfffn, slpte, line };
  }

  /** vtd_dmar_translate: QEMU used this translation (page-aligned iova/gpa, addr_mask). */
  noteDmarTranslate(device: string, iova: bigint, gpa: bigint, addrMask: bigint, line?: number): KnownTranslation {
    const dev = canonicalDevice(device);
    const st = this.dev(dev);
    const level = addrMask === 0xfffn ? 1 : addrMask === 0x1f_ffffn ? 2 : addrMask === 0x3fff_ffffn ? 3 : 0;
    const leaf = st.lastLeaf && (st.lastLeaf.page & ~addrMask) === (iova & ~addrMask) ? st.lastLeaf : undefined;
    const perm = leaf ? (Number(leaf.slpte & 3n) as Perm) : undefined;
    const t: KnownTranslation = { device: dev, iova: iova & ~addrMask, addrMask, gpa: gpa & ~addrMask };
    if (perm !== undefined) t.perm = perm;
    if (st.lastDomain !== undefined) t.domainId = st.lastDomain;
    if (line !== undefined) t.createdLine = line;
    // Mirror QEMU's IOTLB so later hits resolve the same way (not for pass-through: mask only).
    if (leaf && level > 0 && st.lastDomain !== undefined && perm !== undefined && perm !== IOMMU_NONE)
      this.iotlb.update(sidOf(parseBdf(dev)), iova, { domainId: st.lastDomain, slpte: leaf.slpte, perm, level, ...(leaf.line !== undefined ? { line: leaf.line } : {}) });
    return this.known.record(t);
  }

  noteFault(sid: number, reason: number, addr: bigint, isWrite: boolean, line?: number): void {
    const rec: VtdFaultRecord = { device: canonicalDevice(formatSid(sid)), reason, addr, isWrite };
    if (line !== undefined) rec.line = line;
    this.faults.push(rec);
  }
}

const formatSid = (sid: number): string => `${((sid >> 8) & 0xff).toString(16)}:${((sid >> 3) & 0x1f).toString(16)}.${(sid & 7).toString(16)}`;

function walkToTranslation(r: VtdWalkResult): GiovaTranslation {
  if (!r.ok) return { ok: false, reason: r.reason };
  const pageStart = r.iova & ~r.addrMask;
  const name =
    r.translationType === 'pass-through'
      ? `VT-d pass-through context of ${r.device} (domain ${hex(BigInt(r.domainId))})`
      : `VT-d ${r.device} domain ${hex(BigInt(r.domainId))} level ${r.level} PTE ${hex(r.steps[r.steps.length - 1]!.entryGpa)}`;
  return { ok: true, gpa: r.gpa, perm: r.perm, pageMask: r.addrMask, owner: { kind: 'viommu-mapping', name, start: pageStart, last: pageStart + r.addrMask } };
}
