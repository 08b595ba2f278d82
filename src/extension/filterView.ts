// "Filter Trace to Matches…" as a view the user keeps: a read-only document beside the trace
// holding only the matching lines, each with its original line number; F12, Ctrl+click on the
// number or Enter through the document links goes to that line of the trace. The view is named
// by the trace and the query, so reopening the same filter shows the same document, and it
// can be kept open, split or compared like any editor.
import * as vscode from 'vscode';

export const MATCHES_SCHEME = 'iova-lens-matches';
export const MATCHES_LANGUAGE = 'qemu-trace-matches';

interface MatchView {
  source: vscode.Uri;
  query: string;
  lines: number[];
  truncated: boolean;
}

const REVEAL_COMMAND = 'iovaLens.revealTraceLine';

/** Line `line` (1-based) of `uri` in the editor already showing it, else in the first group. */
async function revealTraceLine(uri: vscode.Uri, line: number): Promise<void> {
  const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const pos = new vscode.Position(Math.max(0, line - 1), 0);
  const doc = shown?.document ?? (await vscode.workspace.openTextDocument(uri));
  await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), preserveFocus: false });
}

/** "  17 │ text": the original number right-aligned to the widest one. */
const PREFIX = /^\s*(\d+) │ /;

export class MatchesProvider implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.DefinitionProvider, vscode.Disposable {
  private readonly views = new Map<string, MatchView>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor() {
    this.subs = [
      vscode.workspace.registerTextDocumentContentProvider(MATCHES_SCHEME, this),
      vscode.languages.registerDocumentLinkProvider({ scheme: MATCHES_SCHEME }, this),
      vscode.languages.registerDefinitionProvider({ scheme: MATCHES_SCHEME }, this),
      vscode.commands.registerCommand(REVEAL_COMMAND, (uri: string, line: number) => revealTraceLine(vscode.Uri.parse(uri), line)),
    ];
  }

  /** Shows the matches of `query` in `source` beside it; returns the view's document. */
  async show(source: vscode.TextDocument, query: string, lines: number[], truncated: boolean): Promise<vscode.TextDocument> {
    const name = source.uri.path.slice(source.uri.path.lastIndexOf('/') + 1);
    const uri = vscode.Uri.from({ scheme: MATCHES_SCHEME, path: `/${name} — ${query.replace(/\//g, '∕')}`, query: new URLSearchParams({ source: source.uri.toString(), q: query }).toString() });
    this.views.set(uri.toString(), { source: source.uri, query, lines, truncated });
    this.changed.fire(uri);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== MATCHES_LANGUAGE) await vscode.languages.setTextDocumentLanguage(doc, MATCHES_LANGUAGE);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    return doc;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const v = this.views.get(uri.toString());
    if (!v) return 'This filtered view is from an earlier session: run IOVA Lens: Filter Trace to Matches… again.\n';
    const source = vscode.workspace.textDocuments.find((d) => d.uri.toString() === v.source.toString());
    const width = String(v.lines.at(-1) ?? 1).length;
    const out = v.lines.map((n) => `${String(n).padStart(width)} │ ${source && n <= source.lineCount ? source.lineAt(n - 1).text : ''}`);
    if (v.truncated) out.push(`${' '.repeat(width)} │ … more matches: narrow the filter`);
    if (!v.lines.length) out.push(`no line of ${vscode.workspace.asRelativePath(v.source)} matches "${v.query}"`);
    return out.join('\n') + '\n';
  }

  private target(doc: vscode.TextDocument, line: number): { source: vscode.Uri; line: number; numberEnd: number } | undefined {
    const v = this.views.get(doc.uri.toString());
    const m = v && PREFIX.exec(doc.lineAt(line).text);
    return v && m ? { source: v.source, line: Number(m[1]), numberEnd: m[0].length - 3 } : undefined;
  }

  provideDocumentLinks(doc: vscode.TextDocument): vscode.DocumentLink[] {
    const out: vscode.DocumentLink[] = [];
    for (let l = 0; l < doc.lineCount; l++) {
      const t = this.target(doc, l);
      if (!t) continue;
      const start = doc.lineAt(l).firstNonWhitespaceCharacterIndex;
      // the trace's own editor (where it is open) shows the line, not a second copy beside the view
      const target = vscode.Uri.parse(`command:${REVEAL_COMMAND}?${encodeURIComponent(JSON.stringify([t.source.toString(), t.line]))}`);
      const link = new vscode.DocumentLink(new vscode.Range(l, start, l, t.numberEnd), target);
      link.tooltip = `Go to line ${t.line} of the trace`;
      out.push(link);
    }
    return out;
  }

  provideDefinition(doc: vscode.TextDocument, pos: vscode.Position): vscode.Location | undefined {
    const t = this.target(doc, pos.line);
    return t ? new vscode.Location(t.source, new vscode.Position(t.line - 1, 0)) : undefined;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}
