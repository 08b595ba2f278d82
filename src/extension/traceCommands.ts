// Commands on trace documents: open any file as a trace, and filter a trace to the lines that
// touch an address range, an event family, a device or an ASID.
import * as vscode from 'vscode';
import { parseFilterQuery } from '../shared/filterQuery.js';
import { TRACE_LANGUAGE, type TraceClient } from './traceClient.js';
import { messageOf } from './log.js';
import type { TraceDetection } from './traceDetection.js';
import type { MatchesProvider } from './filterView.js';

export async function openAsTrace(detection: TraceDetection): Promise<void> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc) {
    const choice = await vscode.window.showWarningMessage('No text editor is active. Files over 50 MB are not opened as text by VS Code: use the Trace Viewer for those.', 'Open in Trace Viewer');
    if (choice) await vscode.commands.executeCommand('iovaLens.openInTraceViewer');
    return;
  }
  await detection.openAsTrace(doc);
}

export async function filterTrace(client: TraceClient, matches: MatchesProvider): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== TRACE_LANGUAGE) {
    void vscode.window.showWarningMessage('IOVA Lens: open a QEMU trace first (or use the Trace Viewer\'s filter bar for large files).');
    return;
  }
  const text = await vscode.window.showInputBox({
    title: 'Filter trace to matches',
    prompt: 'e.g. "0x1000" (any space), "iova 0x1000-0x20fff", "gpa 0xfeda0000", "family vhost_vdpa_dma", "device 00:02.0", "asid 1" — combine several',
    validateInput: (v) => {
      try {
        parseFilterQuery(v);
        return undefined;
      } catch (e) {
        return messageOf(e);
      }
    },
  });
  if (text === undefined) return;
  const doc = editor.document;
  const r = await client.filter({ uri: doc.uri.toString(), criteria: parseFilterQuery(text), limit: 20_000 });
  if (!r) {
    void vscode.window.showWarningMessage('IOVA Lens: the trace is still being indexed; try again in a moment.');
    return;
  }
  await matches.show(doc, text.trim() || 'everything', r.lines, r.truncated);
}
