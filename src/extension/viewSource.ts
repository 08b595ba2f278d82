// What the translation tree panel needs from the rest of the extension: the current view (from
// the active debug session or the active trace at the cursor), address resolution, and the
// navigation a click on a node asks for. The panel knows nothing of LSP or DAP.
import type * as vscode from 'vscode';
import type { Space, TranslationView, ViewResolution } from '../shared/translationView.js';

export interface ResolveQuery {
  /** an address as typed: hex ("0x1000") or decimal */
  addr: string;
  space?: Space;
  /** BDF ("00:03.0") or device pointer, when the space needs one */
  device?: string;
}

export interface ViewSourceProvider {
  /** The view of the selected source; undefined when there is none (no trace open, no session). */
  current(): Promise<TranslationView | undefined>;
  /** Fires when the selected source or its state changes (cursor moved, debug stop, refresh). */
  readonly onDidChange: vscode.Event<void>;
  resolve(query: ResolveQuery): Promise<ViewResolution>;
  /** Time travel on a trace source: show the state at this 1-based line (and move the cursor). */
  goToLine(line: number): Promise<void>;
  /** Reveal the trace line that created a node. */
  revealLine(line: number): Promise<void>;
  /** Open VS Code's memory view on a space-named memory reference ("gpa:0x…"). */
  openMemory(memoryRef: string): Promise<void>;
}
