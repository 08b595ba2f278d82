// The translation tree's sources: the live view an IOVA Lens debug session sends (on each stop
// and refresh), else the trace the user last worked in, at its cursor line. Remembers the last
// trace editor because focusing the tree panel leaves no active text editor.
import { RESOLVE_REQUEST, parseWireAnswer, type ResolveRequestArgs } from '../shared/protocol/debugRequests.js';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug/args.js';
import { parseDebugEvent, VIEW_EVENT } from '../shared/debugEvents.js';
import type { TranslationView, ViewResolution } from '../shared/translationView.js';
import { viewFromState, viewResolution } from '../shared/viewFromTrace.js';
import { SPACES } from '../trace/replay/spaces.js';
import { iovaLensSession } from './debugRegistration.js';
import type { Log } from './log.js';
import { TRACE_LANGUAGE, type TraceClient } from './traceClient.js';
import type { ResolveQuery, ViewSourceProvider } from './viewSource.js';

export class ViewSources implements ViewSourceProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly live = new Map<string, TranslationView>();
  private traceDoc: vscode.TextDocument | undefined;
  private traceLine = 1;
  private lastView: TranslationView | undefined;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly client: TraceClient, private readonly log: Log) {
    const noteEditor = (e: vscode.TextEditor | undefined): void => {
      if (e?.document.languageId !== TRACE_LANGUAGE) return;
      this.traceDoc = e.document;
      this.traceLine = e.selection.active.line + 1;
      this.changed.fire();
    };
    noteEditor(vscode.window.activeTextEditor);
    this.subs.push(
      vscode.window.onDidChangeActiveTextEditor(noteEditor),
      vscode.window.onDidChangeTextEditorSelection((e) => noteEditor(e.textEditor)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d === this.traceDoc) {
          this.traceDoc = undefined;
          this.changed.fire();
        }
      }),
      client.onIndexed((p) => {
        if (p.uri === this.traceDoc?.uri.toString()) this.changed.fire();
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE || e.event !== VIEW_EVENT) return;
        try {
          const ev = parseDebugEvent(e.event, e.body);
          if (ev.event === VIEW_EVENT) this.live.set(e.session.id, ev.body.view);
          this.changed.fire();
        } catch (err) {
          this.log.warn(`ignored a malformed ${e.event} event from "${e.session.name}": ${(err as Error).message}`);
        }
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (this.live.delete(s.id)) this.changed.fire();
      }),
      vscode.debug.onDidChangeActiveDebugSession(() => this.changed.fire()),
    );
  }

  private liveSession(): vscode.DebugSession | undefined {
    const s = iovaLensSession();
    return s && this.live.has(s.id) ? s : undefined;
  }

  async current(): Promise<TranslationView | undefined> {
    const s = this.liveSession();
    if (s) return (this.lastView = this.live.get(s.id));
    const doc = this.traceDoc;
    if (!doc) return (this.lastView = undefined);
    const line = Math.min(Math.max(1, this.traceLine), doc.lineCount);
    const state = await this.client.stateAt(doc.uri.toString(), line);
    if (!state) return (this.lastView = undefined);
    return (this.lastView = viewFromState(state, { uri: doc.uri.toString(), line: state.line, lines: doc.lineCount }));
  }

  async resolve(q: ResolveQuery): Promise<ViewResolution> {
    const query = [q.space, q.addr, q.device].filter(Boolean).join(' ');
    const s = this.liveSession();
    if (s) {
      const args: ResolveRequestArgs = { addr: /^0x/i.test(q.addr) ? q.addr : `0x${q.addr}`, ...(q.space ? { space: q.space } : {}), ...(q.device ? { device: q.device } : {}) };
      const answer = parseWireAnswer(await s.customRequest(RESOLVE_REQUEST, args));
      return viewResolution(query, answer, this.lastView);
    }
    const doc = this.traceDoc;
    if (!doc) return { query, chains: [], error: 'no source: open a QEMU trace or start an IOVA Lens debug session' };
    const uri = doc.uri.toString();
    const spaces = q.space ? [q.space] : SPACES;
    const answers: ViewResolution[] = [];
    for (const space of spaces) {
      const r = await this.client.resolve({ uri, space, addr: q.addr, line: this.traceLine, ...(q.device ? { device: q.device } : {}) });
      if (r) answers.push(viewResolution(`${space} ${q.addr}`, r, this.lastView));
    }
    const found = answers.filter((a) => !a.error && a.chains.length > 0);
    if (found.length === 0) return answers.length === 1 ? { ...answers[0]!, query } : { query, chains: [], error: `${q.addr} is not mapped in any space at line ${this.traceLine}` };
    return { query, chains: found.flatMap((a) => a.chains), ...(found.some((a) => a.note) ? { note: found.map((a) => a.note).filter(Boolean).join('; ') } : {}) };
  }

  async goToLine(line: number): Promise<void> {
    await this.revealLine(line);
  }

  async revealLine(line: number): Promise<void> {
    const doc = this.traceDoc;
    if (!doc) return;
    const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false, preview: false, viewColumn: vscode.ViewColumn.One });
    const pos = new vscode.Position(Math.max(0, Math.min(line, doc.lineCount) - 1), 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  async openMemory(memoryRef: string): Promise<void> {
    const s = this.liveSession() ?? iovaLensSession();
    if (!s) throw new Error('the memory view needs a running IOVA Lens debug session');
    // VS Code's debug memory file system: vscode-debug-memory://SESSION/REFERENCE/NAME.bin
    const uri = vscode.Uri.from({ scheme: 'vscode-debug-memory', authority: s.id, path: `/${encodeURIComponent(memoryRef)}/${encodeURIComponent(memoryRef.replace(/:/g, '_'))}.bin` });
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hexEditor.hexedit');
    } catch {
      await vscode.commands.executeCommand('vscode.open', uri);
    }
  }

  /** Time travel from a code lens: this document at this line becomes the source. */
  async showLine(uri: string, line: number): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    this.traceDoc = doc;
    this.traceLine = line;
    await this.revealLine(line);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}
