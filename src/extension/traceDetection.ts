// Opens QEMU traces as traces by their content: a `.log`, `.txt` or extension-less file VS Code
// opened as Log or Plain Text becomes a qemu-trace document when its first non-blank lines are
// trace records (trace/read/contentSniff.ts). "Open as QEMU Trace" is remembered per file (in
// the workspace's state, or the global state without a folder) and applied on every later open.
// A user who switches a trace back to Log keeps it so: a language change (VS Code closes and
// reopens the document at once) is not a new open, and it forgets a remembered choice.
import * as vscode from 'vscode';
import { sniffTrace, SNIFF_LINES } from '../trace/read/contentSniff.js';
import { TRACE_LANGUAGE } from './traceClient.js';
import type { Log } from './log.js';

const REMEMBERED_KEY = 'iovaLens.tracesByChoice';
/** languages VS Code gives the files we look at */
const SNIFFED_LANGUAGES = new Set(['log', 'plaintext']);
const SNIFFED_EXTENSIONS = /(?:\.log|\.txt|\.out|\/[^./]+)$/i;
/** how far into the document the head may reach (a trace's first lines are short) */
const HEAD_LINES = 200;

export class TraceDetection implements vscode.Disposable {
  private readonly decided = new Set<string>();
  /** documents closed in this tick: an open right after is a language change */
  private readonly closing = new Set<string>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: Log) {
    this.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => void this.opened(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        const key = d.uri.toString();
        this.closing.add(key);
        setImmediate(() => {
          if (this.closing.delete(key)) this.decided.delete(key);
        });
      }),
    );
    for (const d of vscode.workspace.textDocuments) void this.consider(d);
  }

  private state(): vscode.Memento {
    return vscode.workspace.workspaceFolders?.length ? this.context.workspaceState : this.context.globalState;
  }

  private remembered(): string[] {
    return this.state().get<string[]>(REMEMBERED_KEY, []);
  }

  /** "Open as QEMU Trace" on this document: switch it and remember the choice. */
  async openAsTrace(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    this.decided.add(key);
    const list = this.remembered();
    if (!list.includes(key)) await this.state().update(REMEMBERED_KEY, [...list, key].slice(-500));
    if (doc.languageId !== TRACE_LANGUAGE) await vscode.languages.setTextDocumentLanguage(doc, TRACE_LANGUAGE);
  }

  private async opened(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    if (this.closing.delete(key)) {
      // a language change: the user's (or ours) word is final for this session
      if (doc.languageId !== TRACE_LANGUAGE && this.remembered().includes(key)) {
        await this.state().update(REMEMBERED_KEY, this.remembered().filter((k) => k !== key));
      }
      return;
    }
    await this.consider(doc);
  }

  private async consider(doc: vscode.TextDocument): Promise<void> {
    if (doc.languageId === TRACE_LANGUAGE || doc.uri.scheme === 'output' || doc.uri.scheme === 'git') return;
    const key = doc.uri.toString();
    if (this.decided.has(key)) return;
    this.decided.add(key);
    let why: string | undefined;
    if (this.remembered().includes(key)) why = 'opened as a QEMU trace before';
    else if (SNIFFED_LANGUAGES.has(doc.languageId) && SNIFFED_EXTENSIONS.test(doc.uri.path)) {
      const last = Math.min(doc.lineCount, HEAD_LINES);
      const head = doc.getText(new vscode.Range(0, 0, last, 0));
      const r = sniffTrace(head);
      if (r.trace) why = `its first ${r.lines} non-blank line(s) hold ${r.events} trace record(s), ${r.known} of known events (looked at ${SNIFF_LINES} at most)`;
    }
    if (!why) return;
    try {
      await vscode.languages.setTextDocumentLanguage(doc, TRACE_LANGUAGE);
      this.log.info(`${vscode.workspace.asRelativePath(doc.uri)} opens as a QEMU trace: ${why}`);
    } catch (e) {
      this.log.error(`could not open ${doc.uri.toString()} as a QEMU trace`, e);
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
