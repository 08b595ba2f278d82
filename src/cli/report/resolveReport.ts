// What `iova-lens resolve` prints for the model's answer, from a trace or a live VM: the chain of
// hops, or the JSON of the CLI contract (a live answer has no line and no creating lines).
import { hex } from '../../model/u64.js';
import type { ResolveAnswer, ResolveHop } from '../../model/resolution.js';
import { spaceTitle } from '../../trace/replay/spaces.js';

const hopJson = (h: ResolveHop) => ({
  space: h.space,
  addr: hex(h.addr),
  owner: h.owner ?? null,
  created_line: h.createdLine ?? null,
  ...(h.perm !== undefined ? { perm: h.perm } : {}),
  ...(h.asid !== undefined ? { asid: h.asid } : {}),
  ...(h.device !== undefined ? { device: h.device } : {}),
  ...(h.note !== undefined ? { note: h.note } : {}),
});

export function resolveJson(r: ResolveAnswer): object {
  return {
    ...(r.line !== undefined ? { line: r.line } : {}),
    hops: r.hops.map(hopJson),
    alternatives: r.alternatives.map((c) => c.map(hopJson)),
    ...(r.error ? { error: r.error } : {}),
    ...(r.note ? { note: r.note } : {}),
  };
}

const hopText = (h: ResolveHop) =>
  `${spaceTitle[h.space]}${h.asid !== undefined ? ` (ASID ${h.asid})` : ''} ${hex(h.addr)}` +
  (h.owner ? `  — ${h.owner}` : '') +
  (h.createdLine !== undefined ? ` (line ${h.createdLine})` : '') +
  (h.note !== undefined ? ` (${h.note})` : '');

/** `header` says where the answer comes from; a trace answer defaults to its line. */
export function resolveText(r: ResolveAnswer, header = `as of line ${r.line ?? '?'}`): string {
  const out = [`${header}:`, '  ' + r.hops.map(hopText).join('\n  → ')];
  if (r.error) out.push(`  ${r.error}`);
  if (r.note) out.push(`  → ${r.note}`);
  r.alternatives.forEach((c, i) => out.push(`alternative ${i + 1}:`, '  ' + c.map(hopText).join('\n  → ')));
  return out.join('\n') + '\n';
}
