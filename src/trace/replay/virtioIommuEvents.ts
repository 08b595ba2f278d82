// virtio-iommu requests (qemu-semantics §6.6): a MAP that overlaps anything fails with S_INVAL,
// an UNMAP must cover whole mappings (S_RANGE otherwise, earlier ones already removed).
import { hex } from '../../model/u64.js';
import type { ReplayContext } from './context.js';
import { sharedText, type TableInfo } from './timeline.js';
import { type Fields, u64Field, numField } from './fields.js';

const range = (a: bigint, b: bigint) => `[${hex(a)}, ${hex(b)}]`;

function domainTable(ctx: ReplayContext, domain: number): TableInfo {
  return ctx.timeline.table(`virtio-iommu ${domain}`, () => ({
    kind: 'virtio-iommu',
    label: `virtio-iommu domain ${domain}`,
    keySpace: 'giova',
    targetSpace: 'gpa',
    owner: `domain ${domain}`,
  }));
}

/** endpoint id -> domain, so a fault can name the mappings of its endpoint */
const endpoints = new WeakMap<ReplayContext, Map<number, number>>();

export function onVirtioIommuAttach(ctx: ReplayContext, ev: string, f: Fields): void {
  const m = endpoints.get(ctx) ?? new Map<number, number>();
  endpoints.set(ctx, m);
  m.set(numField(ev, f, 'ep_id'), numField(ev, f, 'domain_id'));
}

export function onVirtioIommuMap(ctx: ReplayContext, ev: string, f: Fields): void {
  const domain = numField(ev, f, 'domain_id');
  const start = u64Field(ev, f, 'virt_start');
  const last = u64Field(ev, f, 'virt_end');
  const phys = u64Field(ev, f, 'phys_start');
  const flags = numField(ev, f, 'flags');
  const t = domainTable(ctx, domain);
  const clash = ctx.timeline.overlapping(t.id, start, last);
  if (clash.length) {
    ctx.diags.add({
      code: 'map-overlap',
      severity: 'error',
      line: ctx.line,
      message: `virtio-iommu MAP ${range(start, last)} in domain ${domain} overlaps the mapping ${range(clash[0].start, clash[0].last)} (line ${clash[0].createdLine}): the device answers VIRTIO_IOMMU_S_INVAL and maps nothing`,
      related: clash.map((c) => ({ line: c.createdLine, message: `mapping ${range(c.start, c.last)}` })),
    });
    return;
  }
  ctx.timeline.add({ table: t.id, start, last, target: phys, perm: (flags & 3) as 0 | 1 | 2 | 3, createdLine: ctx.line, owner: sharedText(`virtio-iommu domain ${domain} mapping`) });
}

export function onVirtioIommuUnmap(ctx: ReplayContext, ev: string, f: Fields): void {
  const domain = numField(ev, f, 'domain_id');
  const start = u64Field(ev, f, 'virt_start');
  const last = u64Field(ev, f, 'virt_end');
  const t = domainTable(ctx, domain);
  const hit = ctx.timeline.overlapping(t.id, start, last);
  if (hit.length === 0) {
    ctx.diags.add({ code: 'unmap-unmapped', severity: 'info', line: ctx.line, message: `virtio-iommu UNMAP ${range(start, last)} in domain ${domain} covers no mapping` });
    return;
  }
  for (const r of hit) {
    if (r.start < start || r.last > last) {
      ctx.diags.add({
        code: 'partial-unmap',
        severity: 'error',
        line: ctx.line,
        message: `virtio-iommu UNMAP ${range(start, last)} in domain ${domain} would split the mapping ${range(r.start, r.last)} (line ${r.createdLine}): the device answers VIRTIO_IOMMU_S_RANGE and stops; mappings before it in this request are already removed`,
        related: [{ line: r.createdLine, message: `mapping ${range(r.start, r.last)}` }],
      });
      return;
    }
    ctx.timeline.remove(r, ctx.line, 'virtio-iommu UNMAP');
  }
}

export function onVirtioIommuFault(ctx: ReplayContext, ev: string, f: Fields): void {
  const ep = numField(ev, f, 'endpoint');
  const addr = u64Field(ev, f, 'addr', 'address');
  const domain = endpoints.get(ctx)?.get(ep);
  const t = domain === undefined ? undefined : ctx.timeline.findTable(`virtio-iommu ${domain}`);
  const seen = t ? ctx.timeline.history(t.id, addr, addr).at(-1) : undefined;
  ctx.diags.add({
    code: 'dma-fault',
    severity: 'error',
    line: ctx.line,
    message: seen?.removedLine !== undefined
      ? `virtio-iommu fault for endpoint ${ep} at IOVA ${hex(addr)}: mapped at line ${seen.createdLine}, removed by the ${seen.removedBy} at line ${seen.removedLine}`
      : `virtio-iommu fault for endpoint ${ep} at IOVA ${hex(addr)}: never mapped${domain !== undefined ? ` in domain ${domain}` : ''} in this trace`,
    related: seen ? [{ line: seen.createdLine, message: 'mapped here' }, ...(seen.removedLine !== undefined ? [{ line: seen.removedLine, message: 'unmapped here' }] : [])] : [],
  });
}
