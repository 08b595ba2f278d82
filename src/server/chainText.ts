// Markdown pieces the hover, inlay hints and diagnostics share: addresses with their space,
// resolution chains, and links to trace lines.
import { hex } from '../model/u64.js';
import { permName } from '../model/access.js';
import { spaceTitle } from '../trace/replay/spaces.js';
import type { ResolveHop, ResolveResult } from '../trace/replay/resolveAt.js';
import type { MapRecord } from '../trace/replay/timeline.js';
import type { TraceIndex } from './traceIndex.js';
import { mdText } from './markdownText.js';

/** A markdown link to a 1-based trace line of the indexed document. */
export const lineLink = (index: TraceIndex, line: number): string => (index.uri ? `[line ${line}](${index.uri}#L${line})` : `line ${line}`);

export function hopText(index: TraceIndex, h: ResolveHop): string {
  const parts: string[] = [];
  // owners and devices carry names the trace printed: escaped
  if (h.owner) parts.push(mdText(h.owner));
  if (h.asid !== undefined) parts.push(`ASID ${h.asid}`);
  if (h.device) parts.push(`device ${mdText(h.device)}`);
  if (h.perm !== undefined) parts.push(permName(h.perm));
  if (h.createdLine !== undefined) parts.push(`mapped at ${lineLink(index, h.createdLine)}`);
  return `${spaceTitle[h.space]} \`${hex(h.addr)}\`${parts.length ? ` — ${parts.join(', ')}` : ''}`;
}

/** The chain as a numbered markdown list, alternatives after it. */
export function chainMarkdown(index: TraceIndex, r: ResolveResult): string {
  const out: string[] = [];
  // guest memory is always there: a GPA with no further hop only means the trace shows no table for it
  if (r.error && r.hops.length === 1 && r.hops[0].space === 'gpa')
    out.push(`_No listener section or vhost memory table seen by line ${r.line} covers GPA ${hex(r.hops[0].addr)}: the trace does not say which HVA backs it._`);
  else if (r.error) out.push(`_${mdText(r.error)}_`);
  else {
    r.hops.forEach((h, i) => out.push(`${i + 1}. ${hopText(index, h)}`));
    if (r.note) out.push('', `_${mdText(r.note)}_`);
  }
  for (const [i, alt] of r.alternatives.entries()) {
    out.push('', `Alternative ${i + 1} (alias: the same address reaches another mapping):`);
    alt.forEach((h, k) => out.push(`${k + 1}. ${hopText(index, h)}`));
  }
  return out.join('\n');
}

/** One mapping record, e.g. "IOVA [0x1000, 0x80000fff] → HVA 0x7f…, GPA [0x0, …], rw, mapped at line 5". */
export function recordText(index: TraceIndex, r: MapRecord): string {
  const t = index.engine.timeline.tables[r.table];
  const parts = [`${spaceTitle[t.keySpace]} [${hex(r.start)}, ${hex(r.last)}] → ${spaceTitle[t.targetSpace]} \`${hex(r.target)}\``];
  if (r.owner) parts.push(mdText(r.owner));
  parts.push(mdText(t.label), permName(r.perm), `mapped at ${lineLink(index, r.createdLine)}`);
  if (r.removedLine !== undefined) parts.push(`removed by ${mdText(r.removedBy ?? 'an unmap')} at ${lineLink(index, r.removedLine)}`);
  return parts.join(', ');
}

/** The first hop of a chain in another space than the start: what an inlay hint shows. */
export function nextHop(r: ResolveResult): ResolveHop | undefined {
  return r.error ? undefined : r.hops.find((h) => h.space !== r.hops[0].space);
}
