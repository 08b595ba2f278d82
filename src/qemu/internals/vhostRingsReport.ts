// A vhost device's memory table, virtqueues, ASID and shadow vrings in the snapshot's
// `internals.vhost[]` (optional fields, addresses as "0x…" strings) and in its text report.
import type { InternalVhostDevice } from '../../model/qemuInternals.js';
import type { SvqArea } from '../../model/vhostRings.js';
import { hex } from '../../model/u64.js';

const opt = (v: bigint | null): string | null => (v === null ? null : hex(v));

export function vhostRingsJson(v: InternalVhostDevice): Record<string, unknown> {
  return {
    ...(v.memory !== undefined ? { memory: v.memory === null ? null : v.memory.map((r) => ({ gpa: hex(r.gpa), size: hex(r.size), hva: hex(r.hva) })) } : {}),
    ...(v.vqs ? { vqs: v.vqs.map((q) => ({ index: q.index, num: q.num, desc: hex(q.desc), avail: hex(q.avail), used: hex(q.used), ...(q.sizes ? { sizes: q.sizes } : {}) })) } : {}),
    ...(v.vdpa
      ? {
          asid: v.vdpa.asid,
          shadowVqs: v.vdpa.shadowVqsEnabled,
          ...(v.vdpa.net ? { netRole: v.vdpa.net.role } : {}),
          ...(v.vdpa.net?.role === 'cvq' ? { cvq: { asid: v.vdpa.asid, cmd: opt(v.vdpa.net.cmd?.hva ?? null), cmdIova: opt(v.vdpa.net.cmd?.iova ?? null), status: opt(v.vdpa.net.status?.hva ?? null), statusIova: opt(v.vdpa.net.status?.iova ?? null) } } : {}),
          svq: v.vdpa.svq.map((q) => ({ index: q.index, num: q.num, desc: hex(q.desc.hva), avail: hex(q.avail.hva), used: hex(q.used.hva), descIova: opt(q.desc.iova), availIova: opt(q.avail.iova), usedIova: opt(q.used.iova) })),
        }
      : {}),
  };
}

const area = (a: SvqArea): string => `${hex(a.hva)}→${a.iova === null ? 'no IOVA' : `IOVA ${hex(a.iova)}`}`;

export function vhostRingsText(v: InternalVhostDevice): string[] {
  const out: string[] = [];
  if (v.vdpa) out.push(`    ${v.vdpa.net ? `net ${v.vdpa.net.role === 'cvq' ? 'control virtqueue' : 'data path'}, ` : ''}ASID ${v.vdpa.asid ?? '(no address_space_id in this QEMU)'}, shadow virtqueues ${v.vdpa.shadowVqsEnabled ? 'on' : 'off'}`);
  if (v.memory === null) out.push('    memory table: none yet');
  else if (v.memory) {
    out.push(`    memory table: ${v.memory.length} regions`);
    for (const r of v.memory) out.push(`      GPA ${hex(r.gpa)}-${hex(r.gpa + r.size - 1n)} HVA ${hex(r.hva)}`);
  }
  for (const q of v.vqs ?? []) out.push(`    vq ${q.index} num ${q.num}: desc ${hex(q.desc)} avail ${hex(q.avail)} used ${hex(q.used)}`);
  const net = v.vdpa?.net;
  if (net?.role === 'cvq') out.push(`    CVQ buffers (ASID ${v.vdpa!.asid ?? 'none'}): command ${net.cmd ? area(net.cmd) : 'none'}, status ${net.status ? area(net.status) : 'none'}`);
  for (const q of v.vdpa?.svq ?? []) out.push(`    SVQ ${q.index} num ${q.num}: desc ${area(q.desc)} avail ${area(q.avail)} used ${area(q.used)}`);
  return out;
}
