// What the trace tells about the Intel vIOMMU: per device (BB:DD.F) the guest-IOVA pages it was
// seen to translate (vtd_dmar_translate), which domain each device is in (IOTLB events carry
// sid and domain), and the invalidations that ended those translations.
import type { ReplayContext } from './context.js';
import type { TableInfo, MapRecord } from './timeline.js';
import { invalidateDeviceIotlbs } from './deviceIotlbFlow.js';
import { InvalidationLog, type Invalidation } from './invalidationLog.js';
import type { Perm } from '../../model/access.js';
import { invalidatedDevices, isPassThrough, translationPerm } from '../../model/viommu/vtdRules.js';

export { describe, type Invalidation } from './invalidationLog.js';

export class ViommuState {
  /** device BB:DD.F -> domain id (from IOTLB events) */
  readonly domainOf = new Map<string, number>();
  /** every invalidation in trace order; removal reasons point into it */
  readonly invalidations = new InvalidationLog();
  private readonly reasonCode: (index: number) => number;
  /** devices whose DMA goes through the vIOMMU (vtd_switch_address_space ... enabled=1) */
  readonly translating = new Map<string, { on: boolean; line: number }>();

  constructor(private readonly ctx: ReplayContext) {
    this.reasonCode = ctx.timeline.reasonCoder(this.invalidations);
  }

  private readonly tableOf = new Map<string, TableInfo>();

  table(device: string): TableInfo {
    const cached = this.tableOf.get(device);
    if (cached) return cached;
    const t = this.ctx.timeline.table(`viommu ${device}`, () => ({
      kind: 'viommu',
      label: `vIOMMU ${device}`,
      keySpace: 'giova',
      targetSpace: 'gpa',
      owner: device,
      device,
    }));
    this.tableOf.set(device, t);
    return t;
  }

  devices(): string[] {
    return this.ctx.timeline.tables.filter((t) => t.kind === 'viommu').map((t) => t.owner);
  }

  devicesInDomain(domain: number): string[] {
    return this.devices().filter((d) => this.domainOf.get(d) === domain);
  }

  /** the last leaf (vtd_dmar_slpte) per device: its address and permission, for the translation that follows */
  private readonly leaf = new Map<string, { addr: bigint; perm: Perm }>();
  /** translations answered while DMAR was off for the device: identity, no vIOMMU mapping */
  passThrough = 0;

  leafSeen(device: string, addr: bigint, perm: Perm): void {
    this.leaf.set(device, { addr, perm });
  }

  /**
   * A translation seen at this line: record it unless the same page already maps there, with the
   * permission the model's rule gives (translationPerm); with DMAR off for the device it is
   * pass-through (identity) and no vIOMMU mapping.
   */
  translated(device: string, pageStart: bigint, pageLast: bigint, gpa: bigint, perm?: Perm): void {
    if (isPassThrough(this.translating.get(device)?.on, pageStart, gpa)) {
      this.passThrough++;
      return;
    }
    const leaf = this.leaf.get(device);
    this.leaf.delete(device);
    const granted = translationPerm(perm, leaf, pageStart, pageLast);
    if (granted === 0) return;
    const tl = this.ctx.timeline;
    const t = this.table(device);
    const live = tl.overlapping(t.id, pageStart, pageLast);
    if (live.length === 1 && live[0].start === pageStart && live[0].last === pageLast && live[0].target === gpa && live[0].perm === granted) return;
    for (const r of live) tl.remove(r, this.ctx.line, 'translation changed');
    tl.add({ table: t.id, start: pageStart, last: pageLast, target: gpa, perm: granted, createdLine: this.ctx.line });
  }

  invalidate(inv: Invalidation): number {
    // the removal reason is the log entry: its text is built only if someone reads it
    const why = this.reasonCode(this.invalidations.push(inv));
    invalidateDeviceIotlbs(this.ctx, inv.start, inv.last, why);
    const tl = this.ctx.timeline;
    const devices = invalidatedDevices(inv.kind, inv.domain, this.devices(), this.domainOf);
    let n = 0;
    for (const d of devices) {
      const t = this.table(d);
      const hit: MapRecord[] = inv.start !== undefined && inv.last !== undefined ? tl.overlapping(t.id, inv.start, inv.last) : tl.allLive(t.id);
      for (const r of hit) {
        tl.remove(r, this.ctx.line, why);
        n++;
      }
    }
    return n;
  }

  switchDevice(device: string, on: boolean): void {
    this.translating.set(device, { on, line: this.ctx.line });
    const tl = this.ctx.timeline;
    const t = this.ctx.timeline.findTable(`viommu ${device}`);
    if (!t) return;
    for (const r of tl.allLive(t.id)) tl.remove(r, this.ctx.line, `address space switch (iommu ${on ? 'on' : 'off'})`);
  }
}
