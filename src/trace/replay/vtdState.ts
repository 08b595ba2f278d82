// What the trace tells about the Intel vIOMMU: per device (BB:DD.F) the guest-IOVA pages it was
// seen to translate (vtd_dmar_translate), which domain each device is in (IOTLB events carry
// sid and domain), and the invalidations that ended those translations.
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';
import type { TableInfo, MapRecord } from './timeline.js';
import { invalidateDeviceIotlbs } from './deviceIotlbFlow.js';

export interface Invalidation {
  line: number;
  kind: 'psi' | 'dsi' | 'global' | 'as-switch';
  domain?: number;
  start?: bigint;
  last?: bigint;
}

export class ViommuState {
  /** device BB:DD.F -> domain id (from IOTLB events) */
  readonly domainOf = new Map<string, number>();
  readonly invalidations: Invalidation[] = [];
  /** devices whose DMA goes through the vIOMMU (vtd_switch_address_space ... enabled=1) */
  readonly translating = new Map<string, { on: boolean; line: number }>();

  constructor(private readonly ctx: ReplayContext) {}

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

  /** A translation seen at this line: record it unless the same page already maps there. */
  translated(device: string, pageStart: bigint, pageLast: bigint, gpa: bigint, perm: 1 | 2 | 3 = 3): void {
    const tl = this.ctx.timeline;
    const t = this.table(device);
    const live = tl.overlapping(t.id, pageStart, pageLast);
    if (live.length === 1 && live[0].start === pageStart && live[0].last === pageLast && live[0].target === gpa) return;
    for (const r of live) tl.remove(r, this.ctx.line, 'translation changed');
    tl.add({ table: t.id, start: pageStart, last: pageLast, target: gpa, perm, createdLine: this.ctx.line });
  }

  invalidate(inv: Invalidation): number {
    this.invalidations.push(inv);
    invalidateDeviceIotlbs(this.ctx, inv.start, inv.last, describe(inv));
    const tl = this.ctx.timeline;
    const devices = inv.kind === 'global' ? this.devices() : inv.domain !== undefined ? this.devicesInDomain(inv.domain) : [];
    let n = 0;
    for (const d of devices) {
      const t = this.table(d);
      const hit: MapRecord[] = inv.start !== undefined && inv.last !== undefined ? tl.overlapping(t.id, inv.start, inv.last) : tl.allLive(t.id);
      for (const r of hit) {
        tl.remove(r, this.ctx.line, describe(inv));
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

export function describe(inv: Invalidation): string {
  switch (inv.kind) {
    case 'psi':
      return `page-selective invalidation of domain 0x${inv.domain?.toString(16)} [${hex(inv.start ?? 0n)}, ${hex(inv.last ?? 0n)}]`;
    case 'dsi':
      return `domain-selective invalidation of domain 0x${inv.domain?.toString(16)}`;
    case 'global':
      return 'global IOTLB invalidation';
    case 'as-switch':
      return 'address space switch';
  }
}
