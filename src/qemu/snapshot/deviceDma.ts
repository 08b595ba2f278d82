// A device's view of memory during a snapshot: the addresses it uses are GIOVAs when it sits
// behind the vIOMMU with translation on and negotiated ACCESS_PLATFORM, GPAs otherwise. Each
// address is walked through the guest's VT-d tables (async, over the snapshot's page cache), then
// taken to an HVA with the memory map. DMA reads are split at 4 KiB device pages because
// neighbouring IOVA pages need not be neighbours in guest-physical memory.
import type { GuestMemoryMap } from '../../model/memory/guestMemoryMap.js';
import { TablePageMemo } from '../../model/viommu/guestPages.js';
import type { PciBdf } from '../../model/pciAddress.js';
import { walkVtd } from '../../model/viommu/vtdWalker.js';
import { add64, hex } from '../../model/u64.js';
import type { LiveSession } from './liveSession.js';
import { NO_GDB_REASON, type SnapshotAddr, type SnapshotVtd } from './types.js';

export interface DmaSetup {
  session: LiveSession;
  memory: GuestMemoryMap;
  /** Registers, or null with the reason. */
  vtd: SnapshotVtd | null;
  vtdReason: string | undefined;
  /** Shared by every walk of one snapshot. */
  memo: TablePageMemo;
}

export const newDmaSetup = (session: LiveSession, memory: GuestMemoryMap, vtd: SnapshotVtd | null, vtdReason: string | undefined): DmaSetup => ({
  session,
  memory,
  vtd,
  vtdReason,
  memo: new TablePageMemo(),
});

export class DeviceDma {
  /** 'giova' when the device's addresses go through the vIOMMU. */
  readonly space: 'giova' | 'gpa';

  constructor(private readonly setup: DmaSetup, readonly bdf: PciBdf | null, translated: boolean, readonly label: string) {
    this.space = translated ? 'giova' : 'gpa';
  }

  /** Translate one device address; nulls carry the reason. */
  async translate(addr: bigint, access: 'read' | 'write' = 'read'): Promise<SnapshotAddr> {
    const out: SnapshotAddr = { addr, space: this.space, gpa: null, hva: null };
    if (this.space === 'gpa') return this.withHva(out, addr);
    const why = this.cannotWalk();
    if (why) return { ...out, reason: why };
    const { vtd, session, memo } = this.setup;
    const r = await walkVtd({ rtaddr: vtd!.rtaddr!, device: this.bdf!, iova: addr, access, config: vtd!.config }, session.reader, memo);
    session.checkAlive();
    if (!r.ok) return { ...out, reason: `VT-d walk of GIOVA ${hex(addr)} for ${this.label}: ${r.reason}` };
    out.walk = { domainId: r.domainId, level: r.level, perm: r.perm, pageSize: r.pageSize };
    return this.withHva(out, r.gpa);
  }

  private withHva(out: SnapshotAddr, gpa: bigint): SnapshotAddr {
    out.gpa = gpa;
    const h = this.setup.memory.gpaToHva(gpa);
    if (h.ok) out.hva = h.hva;
    else out.reason = h.reason;
    return out;
  }

  private cannotWalk(): string | undefined {
    const { vtd, vtdReason, session } = this.setup;
    if (!session.gdb) return NO_GDB_REASON;
    if (!vtd) return vtdReason ?? 'VT-d registers unknown';
    if (vtd.rtaddr === null) return `VT-d root table pointer not set (GSTS ${hex(vtd.gsts)} has RTPS clear)`;
    if (!this.bdf) return `PCI address of ${this.label} unknown: cannot pick its VT-d context entry`;
    return undefined;
  }

  /**
   * Read `len` bytes the device would read at `addr`. Throws naming the device address and the
   * translation problem when a page cannot be reached.
   */
  async read(addr: bigint, len: number): Promise<Uint8Array> {
    if (!this.setup.session.gdb) throw new Error(NO_GDB_REASON);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const at = add64(addr, BigInt(done));
      const n = Math.min(len - done, 0x1000 - Number(at & 0xfffn));
      let gpa = at;
      if (this.space === 'giova') {
        const t = await this.translate(at);
        if (t.gpa === null) throw new Error(t.reason ?? `GIOVA ${hex(at)} of ${this.label} does not translate`);
        gpa = t.gpa;
      }
      out.set(await this.setup.session.readGpa(gpa, n), done);
      done += n;
    }
    return out;
  }
}
