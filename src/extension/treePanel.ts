// The translation tree panel: one webview showing the view of the selected source (debug
// session or trace at the cursor). It only relays: messages from the webview are checked and
// turned into ViewSourceProvider calls, provider changes become a fresh view.
import * as vscode from 'vscode';
import { parseFromWebview, type FromWebview, type ResolveAsk, type ToWebview } from '../shared/protocol/webview.js';
import type { ViewSourceProvider } from './viewSource.js';
import { makeNonce, treeHtml } from './webviewHtml.js';

const VIEW_TYPE = 'iovaLens.translationTree';
/** cursor moves and debug stops come in bursts; one view per burst */
const CHANGE_DEBOUNCE_MS = 100;
const NO_SOURCE = 'Nothing to show: open a QEMU trace (the tree follows the cursor) or start an IOVA Lens debug session.';

export class TranslationTreePanel {
  static readonly viewType = VIEW_TYPE;
  private static current: TranslationTreePanel | undefined;
  /** Whether the panel is open (the walkthrough's time-travel step). */
  static isOpen(): boolean {
    return TranslationTreePanel.current !== undefined;
  }

  private readonly disposables: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** a newer refresh makes older answers stale */
  private generation = 0;

  static show(context: vscode.ExtensionContext, provider: ViewSourceProvider): TranslationTreePanel {
    const current = TranslationTreePanel.current;
    if (current) {
      // never over the editor the user works in: a panel sharing its group moves beside it
      const group = vscode.window.tabGroups.activeTabGroup.viewColumn;
      current.panel.reveal(!current.panel.active && current.panel.viewColumn === group ? vscode.ViewColumn.Beside : undefined, true);
      return current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Translation tree', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, TranslationTreePanel.options(context));
    return new TranslationTreePanel(panel, context, provider);
  }

  /** Brings the panel back after a window reload; the webview restores its own state. */
  static registerSerializer(context: vscode.ExtensionContext, provider: ViewSourceProvider): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel) => {
        TranslationTreePanel.current?.panel.dispose();
        new TranslationTreePanel(panel, context, provider);
      },
    });
  }

  /** Resolve an address (from the Resolve Address command) and show the chain in the tree. */
  async showResolution(query: ResolveAsk): Promise<void> {
    await this.handle({ type: 'resolve', query });
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      // the bundle and its style sheet (esbuild writes tree.css next to tree.js); nothing else
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly provider: ViewSourceProvider,
  ) {
    TranslationTreePanel.current = this;
    const webview = panel.webview;
    webview.options = TranslationTreePanel.options(context);
    const asset = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', name)).toString();
    webview.html = treeHtml({ cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: asset('tree.js'), styleUri: asset('tree.css') });
    this.disposables.push(
      webview.onDidReceiveMessage((data: unknown) => this.receive(data)),
      provider.onDidChange(() => this.scheduleRefresh()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private post(msg: ToWebview): void {
    // a hidden panel (retainContextWhenHidden false) drops messages; it asks again when shown
    void this.panel.webview.postMessage(msg).then(undefined, () => undefined);
  }

  private scheduleRefresh(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, CHANGE_DEBOUNCE_MS);
  }

  private async refresh(): Promise<void> {
    const gen = ++this.generation;
    this.post({ type: 'busy', busy: true, message: 'reading the state…' });
    try {
      const view = await this.provider.current();
      if (gen !== this.generation) return;
      this.post(view ? { type: 'view', view } : { type: 'view', view: undefined, reason: NO_SOURCE });
    } catch (e) {
      if (gen === this.generation) this.post({ type: 'error', message: `Could not build the translation tree: ${errorText(e)}` });
    } finally {
      if (gen === this.generation) this.post({ type: 'busy', busy: false });
    }
  }

  private receive(data: unknown): void {
    const parsed = parseFromWebview(data);
    if (!parsed.ok) {
      console.warn(`IOVA Lens translation tree: ${parsed.error}`);
      return;
    }
    void this.handle(parsed.msg).catch((e: unknown) => this.post({ type: 'error', message: errorText(e) }));
  }

  private async handle(msg: FromWebview): Promise<void> {
    switch (msg.type) {
      case 'ready':
      case 'refresh':
        return this.refresh();
      case 'resolve': {
        const resolution = await this.provider.resolve(msg.query).catch((e: unknown) => ({ query: msg.query.addr, chains: [], error: errorText(e) }));
        this.post({ type: 'resolution', resolution });
        return;
      }
      case 'goToLine':
        return this.provider.goToLine(msg.line);
      case 'revealLine':
        return this.provider.revealLine(msg.line);
      case 'openMemory':
        return this.provider.openMemory(msg.memoryRef);
    }
  }

  private dispose(): void {
    if (TranslationTreePanel.current === this) TranslationTreePanel.current = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.generation++;
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
