// What `iova-lens check` prints: a readable summary, or the JSON object of the CLI contract.
import type { Diagnostic } from '../../trace/replay/diagnostics.js';
import type { TraceSummary } from '../../trace/replay/engine.js';
import { termSafe } from '../termText.js';
import { diagnosticHeadline } from '../../trace/replay/headline.js';

export interface CheckJson {
  lines: number;
  events: number;
  unknown_events: number;
  by_event: Record<string, number>;
  diagnostics: { code: string; severity: string; line: number; column?: number; headline: string; message: string; related: { line: number; message: string }[] }[];
}

export function checkJson(summary: TraceSummary, diags: Diagnostic[]): CheckJson {
  const by: Record<string, number> = {};
  for (const [k, v] of [...summary.byEvent].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) by[k] = v;
  return {
    lines: summary.lines,
    events: summary.events,
    unknown_events: summary.unknownEvents,
    by_event: by,
    diagnostics: diags.map((d) => ({
      code: d.code,
      severity: d.severity,
      line: d.line,
      ...(d.column !== undefined ? { column: d.column } : {}),
      headline: diagnosticHeadline(d),
      message: d.message,
      related: d.related.map((r) => ({ line: r.line, message: r.message })),
    })),
  };
}

export function checkText(file: string, summary: TraceSummary, diags: Diagnostic[], definitionProblems: string[]): string {
  const out: string[] = [];
  out.push(`${file}: ${summary.lines} lines, ${summary.events} events (${summary.unknownEvents} unknown, ${summary.malformed} unparsed)`);
  const top = [...summary.byEvent].sort((a, b) => b[1] - a[1]).slice(0, 12);
  if (top.length) {
    out.push('  events by kind:');
    for (const [name, n] of top) out.push(`    ${String(n).padStart(9)}  ${name}`);
    if (summary.byEvent.size > top.length) out.push(`    … and ${summary.byEvent.size - top.length} more kinds`);
  }
  for (const d of summary.vdpaDevices) {
    out.push(`  vDPA device ${d.key}: ASIDs ${d.asids.join(', ') || 'none'}${d.svq === undefined ? '' : d.svq ? ', shadow virtqueues (QEMU-allocated IOVAs)' : ', IOVA = GPA'}`);
  }
  if (summary.viommuDevices.length) out.push(`  devices behind the vIOMMU: ${summary.viommuDevices.join(', ')}`);
  out.push(`  mappings live at the end: ${summary.liveAtEnd}`);
  for (const p of definitionProblems) out.push(`  trace-events: ${p}`);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diags) counts[d.severity]++;
  out.push(`  diagnostics: ${counts.error} error(s), ${counts.warning} warning(s), ${counts.info} info`);
  for (const d of diags) {
    // the headline on the location's line, the whole message indented under it
    out.push(`${file}:${d.line}${d.column ? `:${d.column}` : ''}: ${d.severity} [${d.code}] ${diagnosticHeadline(d)}`);
    out.push(`    ${d.message}`);
    for (const r of d.related) out.push(`    ${file}:${r.line}: ${r.message}`);
  }
  // names in messages come from the trace: one element, one terminal line, no control characters
  return out.map(termSafe).join('\n') + '\n';
}
