// A snapshot for people (text) and for programs (JSON: addresses as "0x…" strings, `end`
// inclusive, nulls with a `reason`). The JSON shape is the `iova-lens snapshot --json` contract.
import { permName } from '../../model/access.js';
import { hex } from '../../model/u64.js';
import type { Snapshot, SnapshotAddr, SnapshotDesc, SnapshotQueue, SnapshotVirtio } from './types.js';

const hx = (v: bigint | null | undefined): string | null => (v === null || v === undefined ? null : hex(v));

function addrJson(a: SnapshotAddr): Record<string, unknown> {
  return {
    addr: hex(a.addr),
    space: a.space,
    gpa: hx(a.gpa),
    hva: hx(a.hva),
    ...(a.reason !== undefined ? { reason: a.reason } : {}),
    ...(a.walk ? { walk: { domain: a.walk.domainId, level: a.walk.level, perm: permName(a.walk.perm), page_size: hex(a.walk.pageSize) } } : {}),
  };
}

const descJson = (d: SnapshotDesc): Record<string, unknown> => ({ index: d.index, ...addrJson(d), len: d.len, flags: d.flags, indirect: d.indirect });

const queueJson = (q: SnapshotQueue): Record<string, unknown> => ({
  index: q.index,
  layout: q.layout,
  num: q.status.vringNum,
  last_avail_idx: q.status.lastAvailIdx ?? null,
  avail_idx: q.availIdx,
  used_idx: q.status.usedIdx,
  head: q.head,
  pending: q.pending,
  rings: { desc: addrJson(q.rings.desc), avail: addrJson(q.rings.avail), used: addrJson(q.rings.used) },
  next: q.next.map(descJson),
  ...(q.nextReason !== undefined ? { next_reason: q.nextReason } : {}),
});

const virtioJson = (v: SnapshotVirtio): Record<string, unknown> => ({
  path: v.path,
  name: v.name,
  pci: v.pci,
  behind_iommu: v.behindIommu,
  dma_root: v.dmaRoot,
  status: v.status ? v.status.statuses.map((s) => s.split(':')[0]) : null,
  features: v.status ? [...v.status.guestFeatures.transports, ...v.status.guestFeatures.devFeatures].map((s) => s.split(':')[0]) : null,
  access_platform: v.status?.accessPlatform ?? null,
  queues: v.queues.map(queueJson),
  problems: v.problems,
});

export function snapshotJson(s: Snapshot): Record<string, unknown> {
  return {
    qemu: { version: s.qemu.version, package: s.qemu.package },
    memory: {
      regions: s.memory.regions.map((r) => ({ start: hex(r.start), end: hex(r.last), name: r.name, kind: r.kind, offset: hex(r.offset), readonly: r.readonly, hva: hx(r.hva) })),
      ram_blocks: s.memory.ramBlocks.map((b) => ({ name: b.name, used: hex(b.usedLen), max: hex(b.maxLen), hva: hx(b.hva), hva_from: b.hvaFrom })),
    },
    pci: s.pci.map((d) => ({ bdf: d.bdf, vendor: hex(BigInt(d.vendor)), device: hex(BigInt(d.device)), class: d.classDesc ?? null, qdev_id: d.qdevId })),
    vtd: s.vtd
      ? { base: hex(s.vtd.base), rtaddr: hx(s.vtd.rtaddr), translation_enabled: s.vtd.translationEnabled, cap: hex(s.vtd.cap), ecap: hex(s.vtd.ecap), gsts: hex(s.vtd.gsts), aw_bits: s.vtd.config.awBits }
      : null,
    ...(s.vtdReason !== undefined ? { vtd_reason: s.vtdReason } : {}),
    virtio: s.virtio.map(virtioJson),
    counts: { qmp: s.counts.qmp, gdb: s.counts.gdb, pages: s.counts.pages, ms: Math.round(s.elapsedMs * 10) / 10 },
    problems: s.problems,
  };
}

function addrText(a: SnapshotAddr): string {
  const space = a.space === 'giova' ? 'GIOVA' : 'GPA';
  const chain = [`${space} ${hex(a.addr)}`];
  if (a.space === 'giova' && a.gpa !== null) chain.push(`GPA ${hex(a.gpa)}`);
  if (a.hva !== null) chain.push(`HVA ${hex(a.hva)}`);
  return chain.join(' → ') + (a.reason ? `  (${a.reason})` : '');
}

export function snapshotText(s: Snapshot): string {
  const out: string[] = [`QEMU ${s.qemu.version} (${s.qemu.package})`, '', 'guest memory (AS "memory"):'];
  for (const r of s.memory.regions) {
    if (r.kind === 'io') continue;
    out.push(`  ${hex(r.start)}-${hex(r.last)} ${r.kind.padEnd(5)} ${r.name}${r.offset ? ` @${hex(r.offset)}` : ''}${r.hva !== null ? `  HVA ${hex(r.hva)}` : ''}`);
  }
  out.push('', s.vtd ? `VT-d at ${hex(s.vtd.base)}: translation ${s.vtd.translationEnabled ? 'on' : 'off'}, root table ${hx(s.vtd.rtaddr) ?? 'not set'}, aw-bits ${s.vtd.config.awBits}` : `VT-d: ${s.vtdReason ?? 'unknown'}`);
  for (const v of s.virtio) {
    out.push('', `${v.name} ${v.pci ?? '(PCI address unknown)'}  ${v.path}`);
    out.push(`  DMA: ${v.behindIommu ? `through the vIOMMU (${v.dmaRoot})` : 'untranslated (addresses are GPAs)'}; status ${v.status ? v.status.statuses.map((x) => x.split(':')[0].replace('VIRTIO_CONFIG_S_', '')).join(',') : 'unknown'}`);
    for (const q of v.queues) {
      out.push(`  queue ${q.index} (${q.layout}, ${q.status.vringNum} entries, last_avail ${q.status.lastAvailIdx ?? '?'}, avail.idx ${q.availIdx ?? '?'}, used ${q.status.usedIdx})`);
      out.push(`    desc  ${addrText(q.rings.desc)}`, `    avail ${addrText(q.rings.avail)}`, `    used  ${addrText(q.rings.used)}`);
      if (q.next.length) out.push(`    next chain (head ${q.head}${q.pending ? ', available' : ', already taken'}):`);
      for (const d of q.next) out.push(`      [${d.index}${d.indirect ? ' indirect' : ''}] len ${d.len} ${d.flags.join(',') || '-'}  ${addrText(d)}`);
      if (q.nextReason) out.push(`    next chain: ${q.nextReason}`);
    }
    for (const p of v.problems) out.push(`  ! ${p}`);
  }
  for (const p of s.problems) out.push(`! ${p}`);
  out.push('', `${s.counts.qmp} QMP and ${s.counts.gdb} gdbstub round trips, ${s.counts.pages} guest pages read, ${s.elapsedMs.toFixed(0)} ms`);
  return out.join('\n') + '\n';
}
