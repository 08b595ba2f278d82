// The trace viewers open in the window, as sources for the translation tree: each viewer panel
// reports the line of its cursor, and the tree follows the viewer that was active last (its
// state comes from the viewer's own trace worker, so it works on traces of any size).
import * as vscode from 'vscode';
import type { LargeTraceWorker } from '../../large/workerClient.js';
import type { LargeTraceSummary, StateAtResult } from '../../shared/protocol/largeTrace.js';
import { decodeResolveAnswer, type WireResolveAnswer } from '../../shared/protocol/resolveWire.js';
import type { Space } from '../../trace/replay/spaces.js';

export interface ViewerSurface {
  readonly uri: vscode.Uri;
  /** the 1-based line of the viewer's cursor */
  readonly line: number;
  summary(): Promise<LargeTraceSummary>;
  stateAt(line: number): Promise<StateAtResult>;
  resolve(q: { space: Space; addr: string; line: number; device?: string }): Promise<WireResolveAnswer>;
  /** move the viewer's cursor to a line (and show the panel) */
  reveal(line: number): void;
}

interface Entry extends ViewerSurface {
  line: number;
  readonly panel: vscode.WebviewPanel;
}

export class ViewerSurfaces implements vscode.Disposable {
  private readonly entries = new Set<Entry>();
  private last: Entry | undefined;
  private readonly activated = new vscode.EventEmitter<void>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** a viewer panel became the active editor */
  readonly onDidActivate = this.activated.event;
  /** the followed viewer moved its cursor, or closed */
  readonly onDidChange = this.changed.event;

  /** The viewer that was active last and is still open. */
  get current(): ViewerSurface | undefined {
    return this.last;
  }

  /** Track one viewer panel; returns what the panel calls when its cursor moves. */
  add(panel: vscode.WebviewPanel, uri: vscode.Uri, worker: LargeTraceWorker, ready: Promise<LargeTraceSummary>, post: (m: { type: 'reveal'; line: number }) => void): { cursor(line: number): void } {
    const entry: Entry = {
      uri,
      panel,
      line: 1,
      summary: () => ready,
      stateAt: async (line) => (await ready, (await worker.request({ type: 'stateAt', line })).state),
      resolve: async (q) => (await ready, decodeResolveAnswer((await worker.request({ type: 'resolve', ...q })).result, 'trace worker resolve answer')),
      reveal: (line) => {
        post({ type: 'reveal', line });
        panel.reveal(undefined, true);
      },
    };
    this.entries.add(entry);
    const activate = (): void => {
      this.last = entry;
      this.activated.fire();
    };
    if (panel.active) activate();
    const subs = [
      panel.onDidChangeViewState((e) => {
        if (e.webviewPanel.active) activate();
      }),
      panel.onDidDispose(() => {
        for (const s of subs) s.dispose();
        this.entries.delete(entry);
        if (this.last === entry) {
          this.last = undefined;
          this.changed.fire();
        }
      }),
    ];
    return {
      cursor: (line) => {
        if (entry.line === line) return;
        entry.line = line;
        if (this.last === entry) this.changed.fire();
      },
    };
  }

  dispose(): void {
    this.activated.dispose();
    this.changed.dispose();
  }
}
