// What `iova-lens resolve` prints: the chain of hops, or the JSON of the CLI contract.
import { hex } from '../../model/u64.js';
import type { ResolveHop, ResolveResult } from '../../trace/replay/resolveAt.js';
import { spaceTitle } from '../../trace/replay/spaces.js';

const hopJson = (h: ResolveHop) => ({
  space: h.space,
  addr: hex(h.addr),
  owner: h.owner ?? null,
  created_line: h.createdLine ?? null,
  ...(h.perm !== undefined ? { perm: h.perm } : {}),
  ...(h.asid !== undefined ? { asid: h.asid } : {}),
  ...(h.device !== undefined ? { device: h.device } : {}),
});

export function resolveJson(r: ResolveResult): object {
  return {
    line: r.line,
    hops: r.hops.map(hopJson),
    alternatives: r.alternatives.map((c) => c.map(hopJson)),
    ...(r.error ? { error: r.error } : {}),
    ...(r.note ? { note: r.note } : {}),
  };
}

const hopText = (h: ResolveHop) =>
  `${spaceTitle[h.space]}${h.asid !== undefined ? ` (ASID ${h.asid})` : ''} ${hex(h.addr)}` +
  (h.owner ? `  — ${h.owner}` : '') +
  (h.createdLine !== undefined ? ` (line ${h.createdLine})` : '');

export function resolveText(r: ResolveResult): string {
  const out = [`as of line ${r.line}:`, '  ' + r.hops.map(hopText).join('\n  → ')];
  if (r.error) out.push(`  ${r.error}`);
  if (r.note) out.push(`  → ${r.note}`);
  r.alternatives.forEach((c, i) => out.push(`alternative ${i + 1}:`, '  ' + c.map(hopText).join('\n  → ')));
  return out.join('\n') + '\n';
}
