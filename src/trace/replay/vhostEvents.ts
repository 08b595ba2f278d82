// Generic vhost events: the memory sections every vhost backend receives, vhost-user memory
// tables (GPA -> QEMU HVA), and the device-IOTLB miss flow of vhost with a vIOMMU (§5.3).
import type { ReplayContext } from './context.js';
import { rangeLabel } from './timeline.js';
import { type Fields, u64Field, numField, ptrField, optNumField } from './fields.js';
import { missStarted, missAnswered } from './deviceIotlbFlow.js';

function memTable(ctx: ReplayContext, owner: string) {
  return ctx.timeline.table(`mem-table ${owner}`, () => ({
    kind: 'mem-table',
    label: `vhost memory table ${owner}`,
    keySpace: 'gpa',
    targetSpace: 'hva',
    owner,
  }));
}

function addRegion(ctx: ReplayContext, owner: string, gpa: bigint, len: bigint, hva: bigint, name: string): void {
  if (len === 0n) return;
  const t = memTable(ctx, owner);
  const last = gpa + len - 1n;
  for (const r of ctx.timeline.overlapping(t.id, gpa, last)) ctx.timeline.remove(r, ctx.line, 'replaced');
  ctx.timeline.add({ table: t.id, start: gpa, last, target: hva, perm: 3, createdLine: ctx.line, owner: rangeLabel(`${name} GPA`) });
}

export function onVhostSection(ctx: ReplayContext, ev: string, f: Fields): void {
  const name = typeof f['name'] === 'string' ? f['name'] : 'section';
  addRegion(ctx, 'vhost', u64Field(ev, f, 'gpa'), u64Field(ev, f, 'size'), u64Field(ev, f, 'host'), name);
}

export function onVhostUserMemTable(ctx: ReplayContext, ev: string, f: Fields): void {
  const name = typeof f['name'] === 'string' ? f['name'] : 'region';
  addRegion(ctx, 'vhost-user', u64Field(ev, f, 'guest_phys_addr'), u64Field(ev, f, 'memory_size'), u64Field(ev, f, 'userspace_addr'), name);
}

/** step 1: miss received; 2: answered; 3: GPA not in the memory table; 4: update failed */
export function onVhostIotlbMiss(ctx: ReplayContext, ev: string, f: Fields): void {
  const step = optNumField(f, 'step') ?? numField(ev, f, 'step');
  const dev = ptrField(ev, f, 'dev');
  if (step === 1) missStarted(ctx, dev);
  else if (step === 2) missAnswered(ctx, dev);
  if (step === 3 || step === 4) {
    ctx.diags.add({
      code: 'map-failed',
      severity: 'error',
      line: ctx.line,
      message: step === 3
        ? `vhost device-IOTLB miss of ${ptrField(ev, f, 'dev')} could not be answered: the GPA the vIOMMU gave is not in the vhost memory table`
        : `vhost device-IOTLB miss of ${ptrField(ev, f, 'dev')}: sending the IOTLB UPDATE to the backend failed`,
    });
  }
}
