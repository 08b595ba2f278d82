// The memory view of the translation tree: a read-only hex dump of exactly the range a node
// covers (a VT-d page is 4 KiB; a guest RAM range shows its first MAX_VIEW bytes), read through
// the IOVA Lens debug session's readMemory in page-sized pieces so a piece that cannot be read
// says why and the rest still shows. Refreshed on every stop of the session.
//
// Why our own view and not VS Code's debug memory file: opened as a file it has no size, so an
// editor reads past the mapping (the adapter rightly refuses the bytes after a VT-d page and the
// editor says "could not be opened"), and without a hex editor installed VS Code offers only its
// "binary file" prompt. When the Hex Editor extension (ms-vscode.hexeditor) is installed, Open in
// Hex Editor on the dump's title bar opens the same range in it, writable where the session allows.
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../../debug/args.js';
import { STATUS_EVENT, VIEW_EVENT } from '../../shared/protocol/debugEvents.js';
import { formatHexDump, type DumpChunk } from './hexDump.js';

export const MEMORY_SCHEME = 'iova-lens-memory';
export const HEX_EDITOR_ID = 'ms-vscode.hexeditor';
/** the most one view reads: 16 pieces of 4 KiB */
export const MAX_VIEW = 64 * 1024;
const PIECE = 4096;

interface MemoryUri {
  session: string;
  ref: string;
  /** bytes the range has (may be more than shown) */
  rangeBytes: bigint;
}

function parseUri(uri: vscode.Uri): MemoryUri {
  const q = new URLSearchParams(uri.query);
  const session = q.get('session');
  const ref = q.get('ref');
  const bytes = q.get('bytes');
  if (!session || !ref || !bytes || !/^\d+$/.test(bytes)) throw new Error(`${uri.toString()} is not an IOVA Lens memory view (session, ref and bytes expected)`);
  return { session, ref, rangeBytes: BigInt(bytes) };
}

export class MemoryDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly sessions = new Map<string, { session: vscode.DebugSession; when: string }>();
  private readonly ended = new Map<string, string>();
  private readonly subs: vscode.Disposable[];

  constructor() {
    this.subs = [
      vscode.workspace.registerTextDocumentContentProvider(MEMORY_SCHEME, this),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== DEBUG_TYPE) return;
        const body = e.body as { state?: unknown; reason?: unknown; view?: { source?: { stoppedAt?: unknown } } } | undefined;
        if (e.event === VIEW_EVENT) {
          const at = body?.view?.source?.stoppedAt;
          this.sessions.set(e.session.id, { session: e.session, when: typeof at === 'string' ? `vCPUs stopped (${at})` : 'VM ran (periodic refresh)' });
          this.refresh(e.session.id);
        } else if (e.event === STATUS_EVENT && body?.state === 'running') {
          this.sessions.set(e.session.id, { session: e.session, when: 'VM ran' });
        }
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (!this.sessions.delete(s.id) && s.type !== DEBUG_TYPE) return;
        this.ended.set(s.id, s.name);
        this.refresh(s.id);
      }),
    ];
  }

  /** The view of `bytes` bytes at a space-named reference of a session. */
  static uri(session: vscode.DebugSession, ref: string, bytes: bigint): vscode.Uri {
    const name = ref.replace(/[:/]/g, '_');
    return vscode.Uri.from({ scheme: MEMORY_SCHEME, path: `/${name}.hexdump`, query: new URLSearchParams({ session: session.id, ref, bytes: String(bytes) }).toString() });
  }

  /** Open the dump of a range, beside the tree's editor group. */
  async open(session: vscode.DebugSession, ref: string, bytes: bigint): Promise<void> {
    this.sessions.set(session.id, this.sessions.get(session.id) ?? { session, when: 'vCPUs were stopped' });
    const doc = await vscode.workspace.openTextDocument(MemoryDocuments.uri(session, ref, bytes));
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  /** The same range in the Hex Editor, when it is installed (the debug memory file with its range). */
  static async openInHexEditor(uri: vscode.Uri): Promise<void> {
    const { session, ref, rangeBytes } = parseUri(uri);
    if (!vscode.extensions.getExtension(HEX_EDITOR_ID)) {
      const install = 'Show the Hex Editor extension';
      const pick = await vscode.window.showInformationMessage(`The Hex Editor (${HEX_EDITOR_ID}) is not installed; the hex dump is IOVA Lens's read-only view.`, install);
      if (pick === install) await vscode.commands.executeCommand('workbench.extensions.search', HEX_EDITOR_ID);
      return;
    }
    const count = rangeBytes > BigInt(MAX_VIEW) ? MAX_VIEW : Number(rangeBytes);
    const target = vscode.Uri.from({ scheme: 'vscode-debug-memory', authority: session, path: `/${encodeURIComponent(ref)}/${encodeURIComponent(ref.replace(/:/g, '_'))}.bin`, query: `range=0:${count}` });
    await vscode.commands.executeCommand('vscode.openWith', target, 'hexEditor.hexedit');
  }

  private refresh(sessionId: string): void {
    for (const d of vscode.workspace.textDocuments) {
      if (d.uri.scheme !== MEMORY_SCHEME) continue;
      try {
        if (parseUri(d.uri).session === sessionId) this.changed.fire(d.uri);
      } catch {
        // not one of ours
      }
    }
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { session: id, ref, rangeBytes } = parseUri(uri);
    const start = BigInt(/(0x[0-9a-fA-F]+|\d+)$/.exec(ref)?.[1] ?? '0');
    const ended = this.ended.get(id);
    const s = this.sessions.get(id);
    if (!s || ended !== undefined) return `# ${ref}: the debug session ${ended !== undefined ? `"${ended}" ` : ''}has ended; open the node again from a running session's translation tree\n`;
    const shown = rangeBytes > BigInt(MAX_VIEW) ? MAX_VIEW : Number(rangeBytes);
    const chunks: DumpChunk[] = [];
    for (let offset = 0; offset < shown; offset += PIECE) {
      const count = Math.min(PIECE, shown - offset);
      try {
        const r = (await s.session.customRequest('readMemory', { memoryReference: ref, offset, count })) as { data?: string; unreadableBytes?: number };
        const bytes = new Uint8Array(Buffer.from(r.data ?? '', 'base64'));
        if (bytes.length > 0) chunks.push({ offset, bytes });
        if (bytes.length < count) chunks.push({ offset: offset + bytes.length, count: count - bytes.length, error: 'the adapter returned fewer bytes' });
      } catch (e) {
        chunks.push({ offset, count, error: (e as Error).message });
      }
    }
    return formatHexDump({ reference: ref, start, rangeBytes, when: s.when }, chunks);
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.changed.dispose();
  }
}
