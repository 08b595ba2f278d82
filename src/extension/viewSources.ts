// The translation tree's sources: the live view an IOVA Lens debug session sends (on each stop
// and refresh), else the trace surface the user last worked in — a text editor at its cursor
// line, or a Trace Viewer at its selected row (any size: the viewer's worker answers). Remembers
// the last surface because focusing the tree panel leaves no active editor.
import { RESOLVE_REQUEST, type ResolveRequestArgs } from '../shared/protocol/debugRequests.js';
import { decodeResolveAnswer } from '../shared/protocol/resolveWire.js';
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug/args.js';
import { parseDebugEvent, VIEW_EVENT } from '../shared/protocol/debugEvents.js';
import type { TranslationView, ViewNode, ViewResolution } from '../shared/translationView.js';
import { viewFromState, viewResolution } from '../shared/viewFromTrace.js';
import { SPACES } from '../trace/replay/spaces.js';
import { iovaLensSession } from './debugRegistration.js';
import type { ViewerSurface, ViewerSurfaces } from './largeTrace/viewerSurfaces.js';
import type { Log } from './log.js';
import type { MemoryDocuments } from './memory/memoryDocuments.js';
import { traceLines } from './traceLines.js';
import { TRACE_LANGUAGE, type TraceClient } from './traceClient.js';
import type { ResolveQuery, ViewSourceProvider } from './viewSource.js';

export class ViewSources implements ViewSourceProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly live = new Map<string, TranslationView>();
  private traceDoc: vscode.TextDocument | undefined;
  private traceLine = 1;
  private lastView: TranslationView | undefined;
  /** the surface the user worked in last: a trace text editor or a trace viewer */
  private surface: 'editor' | 'viewer' = 'editor';
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    private readonly client: TraceClient,
    private readonly log: Log,
    private readonly viewers: ViewerSurfaces,
    private readonly memory: MemoryDocuments,
  ) {
    const noteEditor = (e: vscode.TextEditor | undefined): void => {
      if (e?.document.languageId !== TRACE_LANGUAGE) return;
      // a text editor that is not the active one (e.g. beside a focused viewer) does not take over
      if (e !== vscode.window.activeTextEditor) return;
      this.traceDoc = e.document;
      this.traceLine = e.selection.active.line + 1;
      this.surface = 'editor';
      this.changed.fire();
    };
    noteEditor(vscode.window.activeTextEditor);
    this.subs.push(
      viewers.onDidActivate(() => {
        this.surface = 'viewer';
        this.changed.fire();
      }),
      viewers.onDidChange(() => {
        if (this.surface === 'viewer') this.changed.fire();
      }),
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

  /** The trace viewer the tree follows, when the user worked in one last. */
  private viewer(): ViewerSurface | undefined {
    return this.surface === 'viewer' ? this.viewers.current : undefined;
  }

  async current(): Promise<TranslationView | undefined> {
    const s = this.liveSession();
    if (s) return (this.lastView = this.live.get(s.id));
    const v = this.viewer();
    if (v) {
      const [summary, state] = [await v.summary(), await v.stateAt(v.line)];
      return (this.lastView = viewFromState(state, { uri: v.uri.toString(), line: state.line, lines: summary.lines }));
    }
    const doc = this.traceDoc;
    if (!doc) return (this.lastView = undefined);
    const lines = traceLines(doc);
    const line = Math.min(Math.max(1, this.traceLine), lines);
    const state = await this.client.stateAt(doc.uri.toString(), line);
    if (!state) return (this.lastView = undefined);
    return (this.lastView = viewFromState(state, { uri: doc.uri.toString(), line: state.line, lines }));
  }

  async resolve(q: ResolveQuery): Promise<ViewResolution> {
    const query = [q.space, q.addr, q.device].filter(Boolean).join(' ');
    const s = this.liveSession();
    if (s) {
      const args: ResolveRequestArgs = { addr: /^0x/i.test(q.addr) ? q.addr : `0x${q.addr}`, ...(q.space ? { space: q.space } : {}), ...(q.device ? { device: q.device } : {}) };
      const answer = decodeResolveAnswer(await s.customRequest(RESOLVE_REQUEST, args), 'debug adapter resolve answer');
      return viewResolution(query, answer, this.lastView);
    }
    const v = this.viewer();
    const doc = this.traceDoc;
    if (!v && !doc) return { query, chains: [], error: 'no source: open a QEMU trace or start an IOVA Lens debug session' };
    const line = v ? v.line : this.traceLine;
    const spaces = q.space ? [q.space] : SPACES;
    const answers: ViewResolution[] = [];
    for (const space of spaces) {
      const params = { space, addr: q.addr, line, ...(q.device ? { device: q.device } : {}) };
      const r = v ? await v.resolve(params) : await this.client.resolve({ uri: doc!.uri.toString(), ...params });
      if (r) answers.push(viewResolution(`${space} ${q.addr}`, r, this.lastView));
    }
    const found = answers.filter((a) => !a.error && a.chains.length > 0);
    if (found.length === 0) return answers.length === 1 ? { ...answers[0]!, query } : { query, chains: [], error: `${q.addr} is not mapped in any space at line ${line}` };
    return { query, chains: found.flatMap((a) => a.chains), ...(found.some((a) => a.note) ? { note: found.map((a) => a.note).filter(Boolean).join('; ') } : {}) };
  }

  async goToLine(line: number): Promise<void> {
    await this.revealLine(line);
  }

  async revealLine(line: number): Promise<void> {
    const v = this.viewer();
    if (v) {
      v.reveal(line);
      return;
    }
    const doc = this.traceDoc;
    if (!doc) return;
    const editor = await vscode.window.showTextDocument(doc, { preserveFocus: false, preview: false, viewColumn: vscode.ViewColumn.One });
    const pos = new vscode.Position(Math.max(0, Math.min(line, doc.lineCount) - 1), 0);
    editor.selection = new vscode.Selection(pos, pos);
    editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /**
   * Open the memory view on a node's range: exactly the bytes the node covers (a VT-d page is
   * its 4 KiB, a ring its entries), never past it, where the adapter would refuse to read.
   */
  async openMemory(memoryRef: string): Promise<void> {
    const s = this.liveSession() ?? iovaLensSession();
    if (!s) throw new Error('the memory view needs a running IOVA Lens debug session');
    await this.memory.open(s, memoryRef, bytesOf(this.lastView, memoryRef));
  }

  /** Time travel from a code lens: this document at this line becomes the source. */
  async showLine(uri: string, line: number): Promise<void> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    this.traceDoc = doc;
    this.traceLine = line;
    this.surface = 'editor';
    await this.revealLine(line);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}

/** Bytes of the smallest node of the view that has this memory reference (4 KiB when none says). */
function bytesOf(view: TranslationView | undefined, memoryRef: string): bigint {
  let best: bigint | undefined;
  const visit = (nodes: ViewNode[]): void => {
    for (const n of nodes) {
      if (n.memoryRef === memoryRef && n.start !== undefined && n.last !== undefined) {
        const len = BigInt(n.last) - BigInt(n.start) + 1n;
        if (len > 0n && (best === undefined || len < best)) best = len;
      }
      if (n.children) visit(n.children);
    }
  };
  visit(view?.sections ?? []);
  return best ?? 4096n;
}
