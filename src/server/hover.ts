// Hover: on an address, its space and where it goes as of that line; on an event name, its
// definition, where that comes from, and what it does to the model. Every piece of text the
// trace printed is escaped (markdownText.ts).
// A diagnostic on the line is named by its headline only: VS Code already shows the problem's
// message in the same hover. The Trace Viewer, which has no Problems part, asks for the whole.
import type { Hover, Position } from 'vscode-languageserver';
import { hex } from '../model/u64.js';
import { spaceTitle } from '../trace/replay/spaces.js';
import { diagnosticHeadline } from '../trace/replay/headline.js';
import { EVENT_EFFECTS } from './eventEffects.js';
import { chainMarkdown, lineLink, recordText } from './chainText.js';
import { eventSourceMarkdown } from './eventSource.js';
import { mdCode, mdText } from './markdownText.js';
import { definitionOf, type FieldSpan, type TraceIndex } from './traceIndex.js';

export interface HoverOptions {
  /** the whole message of the line's diagnostics (the Trace Viewer), not only their headlines */
  fullDiagnostics?: boolean;
}

export function hover(index: TraceIndex, pos: Position, opts: HoverOptions = {}): Hover | null {
  const ev = index.eventAt(pos.line);
  if (!ev) return null;
  if (pos.character >= ev.nameStart && pos.character <= ev.nameEnd) {
    return {
      contents: { kind: 'markdown', value: eventMarkdown(index, ev.rec.name, pos.line) },
      range: { start: { line: pos.line, character: ev.nameStart }, end: { line: pos.line, character: ev.nameEnd } },
    };
  }
  const field = index.fieldAt(pos.line, pos.character);
  if (!field?.address) return null;
  return {
    contents: { kind: 'markdown', value: addressMarkdown(index, pos.line, ev.rec.name, field, opts) },
    range: { start: { line: pos.line, character: field.start }, end: { line: pos.line, character: field.end } },
  };
}

function eventMarkdown(index: TraceIndex, name: string, line0: number): string {
  const rec = index.eventAt(line0)?.rec;
  const def = definitionOf(index, name, rec);
  const out = [`**${mdText(name)}**`];
  if (def) {
    out.push('```c', `${def.name}(${def.args.map((a) => `${a.type} ${a.name}`).join(', ')})`, '```', `Format ${mdCode(`"${def.format}"`)}, from ${eventSourceMarkdown(def.source)}.`);
  } else out.push('', '_No definition known for this event (load the trace-events file of the QEMU that wrote the trace)._');
  out.push('', EVENT_EFFECTS[name] ?? 'Does not change the translation model (kept for the outline, filters and references).');
  return out.join('\n');
}

function addressMarkdown(index: TraceIndex, line0: number, event: string, f: FieldSpan, opts: HoverOptions): string {
  const a = f.address!;
  const line = line0 + 1;
  const ctx = index.contextOf(line0);
  const where = [ctx.asid !== undefined ? `ASID ${ctx.asid}` : '', ctx.device ? `device ${mdText(ctx.device)}` : ''].filter(Boolean).join(', ');
  const out = [`**${spaceTitle[a.space]} \`${hex(a.addr)}\`** — field ${mdCode(f.name)} of ${mdCode(event)}${where ? ` (${where})` : ''}`];
  if (a.last !== a.start) out.push('', `Range on this line: ${spaceTitle[a.space]} [${hex(a.start)}, ${hex(a.last)}]`);

  // what this line removed is gone from the state after it: say what it was
  const removed = (index.removedAt.get(line) ?? []).filter((r) => {
    const t = index.engine.timeline.tables[r.table];
    return t.keySpace === a.space && r.start <= a.last && r.last >= a.start;
  });
  if (removed.length) {
    out.push('', `**This line removes ${removed.length === 1 ? 'the mapping' : `${removed.length} mappings`}:**`);
    for (const r of removed) out.push(`- ${recordText(index, r)}`);
    out.push('', `**Before this line** (after line ${line - 1}):`, chainMarkdown(index, index.engine.resolve(a.space, a.addr, line - 1, ctx)));
  }
  out.push('', `**As of ${lineLink(index, line)}** (after it was applied):`, chainMarkdown(index, index.engine.resolve(a.space, a.addr, line, ctx)));

  const diags = index.engine.diagnosticsAt(line);
  if (diags.length) {
    out.push('', opts.fullDiagnostics ? '**Diagnostics on this line:**' : '**Problems on this line:**');
    for (const d of diags) out.push(`- ${d.severity} ${mdCode(d.code)}: ${mdText(diagnosticHeadline(d))}${opts.fullDiagnostics ? ` — ${mdText(d.message)}` : ''}`);
  }
  return out.join('\n');
}
