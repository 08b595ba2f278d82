// Engine diagnostics as LSP diagnostics: the whole line, or from the column a parse error
// names; the lines that explain a diagnostic become related locations.
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
  return { start: { line: l, character: 0 }, end: { line: l, character: (index.lines[l] ?? '').length } };
}

export function diagnostics(index: TraceIndex, extra: readonly string[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of index.engine.diagnostics()) {
    const range = lineRange(index, d.line);
    if (d.column !== undefined) range.start.character = Math.min(range.end.character, Math.max(0, d.column - 1));
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
  // problems outside the document (a user trace-events file) are pinned to its first line
  for (const message of extra) out.push({ range: lineRange(index, 1), severity: DiagnosticSeverity.Warning, code: 'trace-events', source: 'iova-lens', message });
  return out;
}
