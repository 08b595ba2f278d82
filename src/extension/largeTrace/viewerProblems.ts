// The Trace Viewer's diagnostics in the Problems view. A file past VS Code's size limit never
// reaches the language server, so the viewer's own index (its worker) reports them; a trace that
// is also open as a text document is left to the language server, so no problem shows twice.
import * as vscode from 'vscode';
import type { Diagnostic } from '../../shared/protocol/largeTrace.js';
import { TRACE_LANGUAGE } from '../traceClient.js';

/** Problems shows at most this many per file from here; the viewer's list has them all. */
export const MAX_PROBLEMS = 1000;

const SEVERITY: Record<Diagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function toProblem(uri: vscode.Uri, d: Diagnostic): vscode.Diagnostic {
  const line = Math.max(0, d.line - 1);
  const col = d.column !== undefined ? d.column - 1 : 0;
  const p = new vscode.Diagnostic(new vscode.Range(line, col, line, Number.MAX_SAFE_INTEGER), d.message, SEVERITY[d.severity]);
  p.source = 'iova-lens';
  p.code = d.code;
  p.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Position(Math.max(0, r.line - 1), 0)), r.message));
  return p;
}

/** Publish a viewer's diagnostics unless the language server owns the file; returns the undo. */
export function publishViewerProblems(collection: vscode.DiagnosticCollection, uri: vscode.Uri, items: Diagnostic[]): vscode.Disposable {
  const key = uri.toString();
  if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key && d.languageId === TRACE_LANGUAGE)) return new vscode.Disposable(() => undefined);
  collection.set(uri, items.slice(0, MAX_PROBLEMS).map((d) => toProblem(uri, d)));
  return new vscode.Disposable(() => collection.delete(uri));
}
