// QEMU's internals for programs (the `internals` object of `iova-lens snapshot --qemu-pid
// --json`: addresses as "0x…" strings, `last` inclusive, domain and perm as numbers — 1 read,
// 2 write, 3 both) and for people (text).
import type { InternalIovaMap, InternalIovaTree, QemuInternals } from '../../model/qemuInternals.js';
import { describeAlias, iovaTreeAliases } from '../../model/vhostIovaCheck.js';
import { hex } from '../../model/u64.js';
import { vhostRingsJson, vhostRingsText } from './vhostRingsReport.js';

const mapJson = (m: InternalIovaMap): Record<string, unknown> => ({ iova: hex(m.iova), last: hex(m.last), taddr: hex(m.taddr), ...(m.gpa !== undefined ? { gpa: hex(m.gpa) } : {}), perm: m.perm });

/** nodes of the IOVA→HVA tree sharing host memory: `{hva, last, iovas}` (see vhostIovaCheck.ts) */
const treeJson = (t: InternalIovaTree): Record<string, unknown> => ({
  layout: t.layout,
  maps: t.maps.map(mapJson),
  aliases: iovaTreeAliases(t).map((a) => ({ hva: hex(a.hva), last: hex(a.hvaLast), iovas: a.maps.map((m) => hex(m.iova)) })),
});

export function internalsJson(s: QemuInternals): Record<string, unknown> {
  return {
    ramBlocks: s.ramBlocks.map((b) => ({ name: b.name, offset: hex(b.offset), usedLength: hex(b.usedLength), host: hex(b.host) })),
    addressSpaces: s.addressSpaces.map((a) => ({ name: a.name, ranges: a.ranges.map((r) => ({ start: hex(r.start), last: hex(r.last), region: r.region })) })),
    vtd: s.vtd ? { iotlb: s.vtd.iotlb.map((e) => ({ domain: e.domain, iova: hex(e.iova), gpa: hex(e.gpa), perm: e.perm })) } : null,
    vhost: s.vhost.map((v) => ({ backend: v.backend, started: v.started, iovaTree: v.iovaTree ? treeJson(v.iovaTree) : null, ...vhostRingsJson(v) })),
  };
}

const PERM = ['--', 'r-', '-w', 'rw'];

export function internalsText(s: QemuInternals): string {
  const head = s.core !== undefined ? `from the core ${s.core}` : `stopped ${s.stoppedMs.toFixed(0)} ms to read`;
  const out = [`QEMU internals (pid ${s.pid}, ${head}):`, '', 'RAM blocks:'];
  for (const b of s.ramBlocks) out.push(`  ${b.name}  offset ${hex(b.offset)}  used ${hex(b.usedLength)}  host ${hex(b.host)}`);
  out.push('', `address spaces (${s.addressSpaces.length}):`);
  for (const a of s.addressSpaces) {
    out.push(`  "${a.name}": ${a.ranges.length} ranges`);
    if (a.name === 'memory') for (const r of a.ranges) out.push(`    ${hex(r.start)}-${hex(r.last)} ${r.region}${r.offsetInRegion ? ` @${hex(r.offsetInRegion)}` : ''}${r.hva !== null ? `  HVA ${hex(r.hva)}` : ''}`);
  }
  out.push('');
  if (!s.vtd) out.push('VT-d: no intel-iommu');
  else {
    out.push(`VT-d IOTLB: ${s.vtd.iotlb.length} entries`);
    for (const e of s.vtd.iotlb) out.push(`  domain ${e.domain}  IOVA ${hex(e.iova)} → GPA ${hex(e.gpa)}  ${PERM[e.perm]}${e.sid !== null ? `  sid ${hex(BigInt(e.sid))}` : ''}`);
  }
  out.push('', `vhost devices: ${s.vhost.length}`);
  for (const v of s.vhost) {
    out.push(`  ${v.backend}${v.started ? ' (started)' : ''}${v.iovaTree ? `  IOVA tree (${v.iovaTree.layout}): ${v.iovaTree.maps.length} maps` : ''}`);
    out.push(...vhostRingsText(v));
    if (!v.iovaTree) continue;
    const aliases = iovaTreeAliases(v.iovaTree);
    const aliased = new Set(aliases.flatMap((a) => a.maps));
    for (const m of v.iovaTree.maps) out.push(`    IOVA ${hex(m.iova)}-${hex(m.last)} → ${m.gpa !== undefined ? `GPA ${hex(m.gpa)}` : `HVA ${hex(m.taddr)}`}  ${PERM[m.perm & 3]}${aliased.has(m) ? '  (aliased)' : ''}`);
    for (const a of aliases) out.push(`    aliases: ${describeAlias(a)}${v.iovaTree.layout === 'legacy' ? '; this tree finds guest memory by HVA, so a region_del of either may unmap the other' : ''}`);
  }
  return out.join('\n') + '\n';
}
