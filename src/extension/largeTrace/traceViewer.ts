// The trace viewer: a read-only custom editor for traces past VS Code's limits (no tokenising
// over 20 MB, no document sync to extensions over 50 MB). Each opened file gets its own worker
// thread that indexes its lines once (progress in a notification, cancellable), then replays it
// in the background (progress in the status bar and the viewer) while it answers the webview's
// requests for lines, hovers, definitions, diagnostics and filters.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { LargeTraceWorker } from '../../large/workerClient.js';
import { parseViewerMessage, type HostMessage, type LargeTraceSummary, type ViewerRequest } from '../../shared/protocol/largeTrace.js';
import { makeNonce, viewerHtml } from './viewerHtml.js';
import type { ViewerSurfaces } from './viewerSurfaces.js';
import { publishViewerProblems } from './viewerProblems.js';

export const TRACE_VIEWER_TYPE = 'iovaLens.traceViewer';
export const OPEN_IN_TRACE_VIEWER_COMMAND = 'iovaLens.openInTraceViewer';

class TraceDocument implements vscode.CustomDocument {
  private readonly cancel = new AbortController();
  /** the line index: the viewer can show lines and filter */
  readonly ready: Promise<LargeTraceSummary>;
  /** the background replay is done: every line's state, the diagnostics */
  readonly replayed: Promise<LargeTraceSummary>;
  private fraction = 0;
  replayFraction = 0;
  replayedSummary: LargeTraceSummary | undefined;
  private readonly progressListeners = new Set<(f: number) => void>();
  private readonly replayListeners = new Set<(f: number) => void>();

  constructor(
    readonly uri: vscode.Uri,
    readonly worker: LargeTraceWorker,
  ) {
    const name = basename(uri.fsPath);
    this.ready = Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `IOVA Lens: indexing ${name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => this.cancel.abort());
          let reported = 0;
          const r = await worker.request(
            { type: 'open', path: uri.fsPath, uri: uri.toString() },
            {
              signal: this.cancel.signal,
              onProgress: (f) => {
                this.fraction = f;
                for (const l of this.progressListeners) l(f);
                const pct = Math.floor(f * 100);
                if (pct > reported) {
                  progress.report({ increment: pct - reported, message: `${pct}%` });
                  reported = pct;
                }
              },
            },
          );
          return r.summary;
        },
      ),
    );
    // a failed or cancelled build is reported to the webview; keep it from being unhandled here
    this.ready.catch(() => undefined);
    this.replayed = this.ready.then(() =>
      vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `IOVA Lens: replaying ${name}` }, async (progress) => {
        let reported = 0;
        const r = await worker.request(
          { type: 'replay' },
          {
            signal: this.cancel.signal,
            onProgress: (f) => {
              this.replayFraction = f;
              for (const l of this.replayListeners) l(f);
              const pct = Math.floor(f * 100);
              if (pct > reported) {
                progress.report({ increment: pct - reported, message: `${pct}%` });
                reported = pct;
              }
            },
          },
        );
        this.replayedSummary = r.summary;
        return r.summary;
      }),
    );
    this.replayed.catch(() => undefined);
  }

  onReplayProgress(l: (f: number) => void): vscode.Disposable {
    this.replayListeners.add(l);
    return new vscode.Disposable(() => this.replayListeners.delete(l));
  }

  get progress(): number {
    return this.fraction;
  }

  onProgress(l: (f: number) => void): vscode.Disposable {
    this.progressListeners.add(l);
    return new vscode.Disposable(() => this.progressListeners.delete(l));
  }

  private readonly disposables: vscode.Disposable[] = [];
  disposed = false;

  onDispose(d: vscode.Disposable): void {
    this.disposables.push(d);
  }

  dispose(): void {
    this.disposed = true;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.cancel.abort();
    void this.worker.terminate();
  }
}

class TraceViewerProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly surfaces: ViewerSurfaces,
    private readonly problems: vscode.DiagnosticCollection,
  ) {}

  openCustomDocument(uri: vscode.Uri): TraceDocument {
    if (uri.scheme !== 'file') throw new Error(`the trace viewer reads files from disk; ${uri.toString()} is not a local file`);
    const workerPath = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'largeTraceWorker.js').fsPath;
    const doc = new TraceDocument(uri, LargeTraceWorker.start(workerPath));
    // the diagnostics in Problems while the document is open (known when the replay is done)
    doc.replayed.then(
      async (summary) => {
        if (summary.diagnostics === 0 || doc.disposed) return;
        const r = await doc.worker.request({ type: 'diagnostics', from: 1, to: summary.lines });
        if (!doc.disposed) doc.onDispose(publishViewerProblems(this.problems, uri, r.items));
      },
      () => undefined,
    );
    return doc;
  }

  resolveCustomEditor(doc: TraceDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    const root = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    webview.options = { enableScripts: true, localResourceRoots: [root] };
    const name = basename(doc.uri.fsPath);
    webview.html = viewerHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'traceViewer.js')).toString(),
      nonce: makeNonce(),
      title: name,
    });
    const post = (m: HostMessage) => void webview.postMessage(m);
    /** webview request id → what cancels it */
    const inFlight = new Map<number, AbortController>();
    const subs: vscode.Disposable[] = [
      doc.onProgress((fraction) => post({ type: 'indexing', name, fraction })),
      doc.onReplayProgress((fraction) => post({ type: 'replaying', name, fraction })),
    ];
    doc.replayed.then(
      (summary) => post({ type: 'replayFinished', name, summary }),
      (e: unknown) => {
        if ((e as Error).name !== 'AbortError') post({ type: 'failed', message: `Could not replay ${name}: ${(e as Error).message}` });
      },
    );
    const surface = this.surfaces.add(panel, doc.uri, doc.worker, doc.ready, post);

    const forward = async (req: ViewerRequest): Promise<void> => {
      if (req.type === 'cancel') {
        inFlight.get(req.target)?.abort();
        post({ type: 'done', id: req.id });
        return;
      }
      await doc.ready;
      const ac = new AbortController();
      inFlight.set(req.id, ac);
      try {
        const { id, ...body } = req;
        const r = await doc.worker.request(body, { signal: ac.signal, onProgress: (fraction, bytes, total) => post({ type: 'progress', id, fraction, bytes, total }) });
        post({ ...r, id });
      } finally {
        inFlight.delete(req.id);
      }
    };

    subs.push(
      webview.onDidReceiveMessage((msg: unknown) => {
        let m;
        try {
          m = parseViewerMessage(msg);
        } catch (e) {
          post({ type: 'failed', message: `trace viewer: ${(e as Error).message}` });
          return;
        }
        if (m.type === 'cursor') {
          surface.cursor(m.line);
          return;
        }
        if (m.type === 'ready') {
          post({ type: 'indexing', name, fraction: doc.progress });
          doc.ready.then(
            (summary) => post({ type: 'init', name, summary: doc.replayedSummary ?? summary }),
            (e: unknown) => post({ type: 'failed', message: `Could not index ${name}: ${(e as Error).message}` }),
          );
          return;
        }
        const req = m;
        forward(req).catch((e: unknown) => post({ type: 'error', id: req.id, message: (e as Error).message, ...((e as Error).name === 'AbortError' ? { cancelled: true } : {}) }));
      }),
    );
    panel.onDidDispose(() => {
      for (const ac of inFlight.values()) ac.abort();
      for (const s of subs) s.dispose();
    });
  }
}

/** Open a file (the explorer selection, else the active editor's) in the trace viewer. */
async function openInTraceViewer(uri?: vscode.Uri): Promise<void> {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Open a QEMU trace in the IOVA Lens trace viewer' });
    if (!picked?.[0]) return;
    await vscode.commands.executeCommand('vscode.openWith', picked[0], TRACE_VIEWER_TYPE);
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', target, TRACE_VIEWER_TYPE);
}

export function registerTraceViewer(context: vscode.ExtensionContext, surfaces: ViewerSurfaces): vscode.Disposable {
  const problems = vscode.languages.createDiagnosticCollection('iova-lens-viewer');
  return vscode.Disposable.from(
    problems,
    vscode.window.registerCustomEditorProvider(TRACE_VIEWER_TYPE, new TraceViewerProvider(context, surfaces, problems), {
      // one worker per document, shared by every panel showing it; hidden panels keep their scroll
      supportsMultipleEditorsPerDocument: true,
      webviewOptions: { retainContextWhenHidden: true },
    }),
    vscode.commands.registerCommand(OPEN_IN_TRACE_VIEWER_COMMAND, async (uri?: vscode.Uri) => {
      try {
        await openInTraceViewer(uri);
      } catch (e) {
        void vscode.window.showErrorMessage(`IOVA Lens: ${(e as Error).message}`);
      }
    }),
  );
}
