// Intel VT-d trace events (qemu-semantics §6.4, §7.5) applied to the ViommuState.
import { hex } from '../../model/u64.js';
import { faultReason, psiRange, slptePerm, translatedPage } from '../../model/viommu/vtdRules.js';
import type { ReplayContext } from './context.js';
import { ViommuState } from './vtdState.js';
import { translationSeen } from './deviceIotlbFlow.js';
import { type Fields, u64Field, numField, boolField, EventFieldError } from './fields.js';
import { formatBdf, sidToBdf } from '../../model/pciAddress.js';

export const viommu = (ctx: ReplayContext): ViommuState => (ctx.viommu ??= new ViommuState(ctx));

export function onDmarTranslate(ctx: ReplayContext, ev: string, f: Fields): void {
  const device = formatBdf(numField(ev, f, 'bus'), numField(ev, f, 'slot'), numField(ev, f, 'func', 'fn'));
  const page = translatedPage(u64Field(ev, f, 'iova'), u64Field(ev, f, 'mask'), u64Field(ev, f, 'gpa'));
  viommu(ctx).translated(device, page.start, page.last, page.gpa);
  translationSeen(ctx, device, page.start, page.last - page.start, page.gpa);
}

/** The leaf QEMU's walk found, traced just before the translation it gives: its R/W bits are the permission. */
export function onDmarSlpte(ctx: ReplayContext, ev: string, f: Fields): void {
  viommu(ctx).leafSeen(sidToBdf(numField(ev, f, 'sid')), u64Field(ev, f, 'addr'), slptePerm(u64Field(ev, f, 'slpte')));
}

export function onIotlbPage(ctx: ReplayContext, ev: string, f: Fields): void {
  const device = sidToBdf(numField(ev, f, 'sid'));
  viommu(ctx).domainOf.set(device, numField(ev, f, 'domain'));
}

export function onInvPages(ctx: ReplayContext, ev: string, f: Fields): void {
  const domain = numField(ev, f, 'domain');
  const addr = u64Field(ev, f, 'addr');
  const am = numField(ev, f, 'mask');
  // the mask is an order: the range is 4 KiB << am. QEMU takes am from 6 descriptor bits and
  // refuses it above its MAMV, so an order whose range does not fit 64 bits is not QEMU's.
  const range = psiRange(addr, am);
  if (!range) throw new EventFieldError(ev, 'mask', `is ${am}: an address-mask order must be 0..52 (4 KiB << mask within 64 bits)`);
  viommu(ctx).invalidate({ line: ctx.line, kind: 'psi', domain, start: range.start, last: range.last });
}

export function onInvDomain(ctx: ReplayContext, ev: string, f: Fields): void {
  viommu(ctx).invalidate({ line: ctx.line, kind: 'dsi', domain: numField(ev, f, 'domain') });
}

export function onInvGlobal(ctx: ReplayContext): void {
  viommu(ctx).invalidate({ line: ctx.line, kind: 'global' });
}

export function onSwitchAddressSpace(ctx: ReplayContext, ev: string, f: Fields): void {
  const device = formatBdf(numField(ev, f, 'bus'), numField(ev, f, 'slot'), numField(ev, f, 'fn', 'func'));
  viommu(ctx).switchDevice(device, boolField(f, 'on'));
}

export function onPageWalkOne(ctx: ReplayContext, ev: string, f: Fields): void {
  // shadow-table sync: perm 0 is an UNMAP of [iova, iova|mask], else a MAP to gpa
  const domain = numField(ev, f, 'domain');
  const iova = u64Field(ev, f, 'iova');
  const mask = u64Field(ev, f, 'mask');
  const perm = numField(ev, f, 'perm') & 3;
  const vi = viommu(ctx);
  for (const d of vi.devicesInDomain(domain)) {
    if (perm === 0) {
      const t = vi.table(d);
      for (const r of ctx.timeline.overlapping(t.id, iova, iova | mask)) ctx.timeline.remove(r, ctx.line, 'page walk UNMAP');
    } else vi.translated(d, iova & ~mask, (iova & ~mask) | mask, u64Field(ev, f, 'gpa'), perm as 1 | 2 | 3);
  }
}

export function onDmarFault(ctx: ReplayContext, ev: string, f: Fields): void {
  const device = sidToBdf(numField(ev, f, 'sid'));
  const reason = numField(ev, f, 'fault');
  const addr = u64Field(ev, f, 'addr');
  const write = boolField(f, 'is_write', 'write');
  const vi = viommu(ctx);
  const t = ctx.timeline.findTable(`viommu ${device}`);
  const history = t ? ctx.timeline.history(t.id, addr, addr) : [];
  const lastSeen = history.at(-1);
  const what = `DMA ${write ? 'write' : 'read'} by ${device} at guest IOVA ${hex(addr)} faulted (reason ${reason}: ${faultReason(reason)})`;
  if (lastSeen && lastSeen.removedLine !== undefined) {
    ctx.diags.add({
      code: 'dma-fault',
      severity: 'error',
      line: ctx.line,
      message: `${what}: the page ${hex(lastSeen.start)} was mapped to GPA ${hex(lastSeen.target)} (translated at line ${lastSeen.createdLine}) until the ${lastSeen.removedBy ?? 'invalidation'} at line ${lastSeen.removedLine}; the device used it after the guest unmapped it`,
      related: [
        { line: lastSeen.removedLine, message: `${lastSeen.removedBy ?? 'invalidation'} removed IOVA page ${hex(lastSeen.start)}` },
        { line: lastSeen.createdLine, message: `IOVA page ${hex(lastSeen.start)} -> GPA ${hex(lastSeen.target)} translated here` },
      ],
    });
    return;
  }
  const dom = vi.domainOf.get(device);
  ctx.diags.add({
    code: 'dma-fault',
    severity: 'error',
    line: ctx.line,
    message: lastSeen
      ? `${what}, although the page ${hex(lastSeen.start)} is mapped to GPA ${hex(lastSeen.target)} since line ${lastSeen.createdLine}: a stale or wrong IOTLB / page table`
      : `${what}: this address was never mapped for ${device}${dom !== undefined ? ` (domain 0x${dom.toString(16)})` : ''} in this trace; the device was given an address the guest never mapped (e.g. a ring address left at 0 after a reset)`,
    related: lastSeen ? [{ line: lastSeen.createdLine, message: 'translation seen here' }] : [],
  });
}
