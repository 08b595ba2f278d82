// Engine diagnostics as LSP diagnostics: on the event name of the line (or from the column a
// parse error names), so hovering an address of the line shows its chain first and the
// problem's message is not repeated there (VS Code shows a diagnostic's message in every hover
// inside its range, before the others); the lines that explain it become related locations.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { Severity } from '../trace/replay/diagnostics.js';
import type { TraceIndex } from './traceIndex.js';
import { diagnosticHeadline, problemMessage } from '../trace/replay/headline.js';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** The range of a whole 1-based trace line (clamped to the document). */
export function lineRange(index: TraceIndex, line: number) {
  const l = Math.max(0, Math.min(index.lineCount - 1, line - 1));
  return { start: { line: l, character: 0 }, end: { line: l, character: index.lineText(l)?.length ?? 0 } };
}

function firstNonBlank(index: TraceIndex): number {
  for (let l = 0; l < index.lineCount; l++) if ((index.lineText(l) ?? '').trim() !== '') return l;
  return -1;
}

function hasEventLine(index: TraceIndex): boolean {
  for (let l = 0; l < index.lineCount; l++) {
    const k = index.kindAt(l);
    if (k === 'event' || k === 'malformed') return true;
  }
  return false;
}

export function diagnostics(index: TraceIndex, extra: readonly string[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of index.engine.diagnostics()) {
    const range = lineRange(index, d.line);
    const ev = index.eventAt(range.start.line);
    if (d.column !== undefined) range.start.character = Math.min(range.end.character, Math.max(0, d.column - 1));
    else if (ev) {
      range.start.character = ev.nameStart;
      range.end.character = ev.nameEnd;
    }
    out.push({
      range,
      severity: SEVERITY[d.severity],
      code: d.code,
      source: 'iova-lens',
      // Problems shows the headline as the row; the hover and the expanded row the detail
      message: problemMessage(diagnosticHeadline(d), d.message),
      relatedInformation: d.related.map((r) => ({ location: { uri: index.uri, range: lineRange(index, r.line) }, message: `line ${r.line}: ${r.message}` })),
    });
  }
  // a document opened as a trace that holds no event at all says so, on its first line
  const firstText = firstNonBlank(index);
  if (firstText >= 0 && !hasEventLine(index)) {
    out.push({
      range: lineRange(index, firstText + 1),
      severity: DiagnosticSeverity.Warning,
      code: 'no-trace-events',
      source: 'iova-lens',
      message: `No QEMU trace event in this file\nNone of its ${index.lineCount} lines is a trace record (QEMU's log backend writes "[TID@SEC.USEC:]event_name args"; simpletrace files are binary: use iova-lens check or the Trace Viewer). If the events are your own, add their trace-events file to iovaLens.traceEvents.`,
    });
  }
  // problems outside the document (a user trace-events file) are pinned to its first line
  for (const message of extra) out.push({ range: lineRange(index, 1), severity: DiagnosticSeverity.Warning, code: 'trace-events', source: 'iova-lens', message });
  return out;
}
