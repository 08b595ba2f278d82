// VFIO type1 containers as the trace shows them (hw/vfio/trace-events): every RAM section the
// listener adds is a VFIO_IOMMU_MAP_DMA, every section it deletes an UNMAP_DMA, and with a vIOMMU
// each notification (vfio_iommu_map_notify MAP/UNMAP) one of the two. The kernel's rules live in
// src/model/viommu/vfioType1.ts: a map overlapping a live one is refused (EEXIST) and is not
// live afterwards; an unmap that would cut a mapping in two is refused (EINVAL).
import { IOMMU_RW } from '../../model/access.js';
import { hex } from '../../model/u64.js';
import { VfioType1Container, type VfioResult } from '../../model/viommu/vfioType1.js';
import type { ReplayContext } from './context.js';
import { type Fields, u64Field, EventFieldError } from './fields.js';

// one container per trace: QEMU puts every device of an address space in one container
const containers = new WeakMap<ReplayContext, VfioType1Container>();

function container(ctx: ReplayContext): VfioType1Container {
  let c = containers.get(ctx);
  if (!c) containers.set(ctx, (c = new VfioType1Container('VFIO container')));
  return c;
}

const range = (start: bigint, last: bigint): string => `[${hex(start)}, ${hex(last)}]`;

/** The inclusive [start, last] the event prints; an end before the start is not QEMU's. */
function bounds(ev: string, f: Fields, startName: string, endName: string): { start: bigint; last: bigint } {
  const start = u64Field(ev, f, startName);
  const last = u64Field(ev, f, endName);
  if (last < start) throw new EventFieldError(ev, endName, `is ${hex(last)}, below the start ${hex(start)}`);
  return { start, last };
}

function map(ctx: ReplayContext, what: string, start: bigint, last: bigint, vaddr: bigint): void {
  const r = container(ctx).map(start, last - start + 1n, vaddr, IOMMU_RW, ctx.line);
  if (!r.ok) refused(ctx, `VFIO_IOMMU_MAP_DMA of IOVA ${range(start, last)} (${what})`, r);
}

function unmap(ctx: ReplayContext, what: string, start: bigint, last: bigint): void {
  const r = container(ctx).unmap(start, last - start + 1n);
  if (!r.ok) refused(ctx, `VFIO_IOMMU_UNMAP_DMA of IOVA ${range(start, last)} (${what})`, r);
}

function refused(ctx: ReplayContext, what: string, r: Extract<VfioResult, { ok: false }>): void {
  const c = r.conflict;
  const cLast = c ? c.iova + c.len - 1n : undefined;
  const cText = c && cLast !== undefined ? `the live VFIO mapping ${range(c.iova, cLast)}${c.line !== undefined ? ` (mapped at line ${c.line})` : ''}` : '';
  const related = c?.line !== undefined ? [{ line: c.line, message: `VFIO mapping ${range(c.iova, cLast!)} mapped here` }] : [];
  if (r.errno === 'EEXIST') {
    ctx.diags.add({
      code: 'map-overlap',
      severity: 'error',
      line: ctx.line,
      message: `${what} overlaps ${cText}: the VFIO type1 driver refuses it (EEXIST), QEMU reports the error and goes on; this map is not live`,
      related,
    });
  } else if (c) {
    ctx.diags.add({
      code: 'partial-unmap',
      severity: 'error',
      line: ctx.line,
      message: `${what} would cut ${cText} in two: the VFIO type1 v2 driver refuses it (EINVAL) and the mapping stays live`,
      related,
    });
  } else {
    ctx.diags.add({ code: 'map-failed', severity: 'error', line: ctx.line, message: `${what} is refused by the VFIO type1 driver (${r.errno}): ${r.reason}` });
  }
}

export function onVfioRegionAddRam(ctx: ReplayContext, ev: string, f: Fields): void {
  const { start, last } = bounds(ev, f, 'iova_start', 'iova_end');
  map(ctx, 'RAM section', start, last, u64Field(ev, f, 'vaddr'));
}

export function onVfioRegionDel(ctx: ReplayContext, ev: string, f: Fields): void {
  const { start, last } = bounds(ev, f, 'start', 'end');
  unmap(ctx, 'section deleted', start, last);
}

export function onVfioIommuMapNotify(ctx: ReplayContext, ev: string, f: Fields): void {
  const { start, last } = bounds(ev, f, 'iova_start', 'iova_end');
  const op = f.op;
  if (op === 'MAP') map(ctx, 'vIOMMU MAP notification', start, last, 0n);
  else if (op === 'UNMAP') unmap(ctx, 'vIOMMU UNMAP notification', start, last);
  else throw new EventFieldError(ev, 'op', `is ${JSON.stringify(op)}: QEMU prints MAP or UNMAP`);
}
