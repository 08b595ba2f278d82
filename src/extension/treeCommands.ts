// Commands around the translation tree: open it, resolve an address into it, and the code
// lens's "state here" (time travel to a line).
import * as vscode from 'vscode';
import { SPACES, spaceTitle, type Space } from '../trace/replay/spaces.js';
import { addressAt, parseAddressQuery } from '../shared/addressQuery.js';
import { TranslationTreePanel } from './treePanel.js';
import type { ViewSources } from './viewSources.js';

export function openTree(context: vscode.ExtensionContext, sources: ViewSources): TranslationTreePanel {
  return TranslationTreePanel.show(context, sources);
}

/** What the box starts with: the argument, else the editor's selection, else the address under the cursor. */
function initialText(initial: string | undefined): string {
  if (initial !== undefined) return initial;
  const e = vscode.window.activeTextEditor;
  if (!e) return '';
  const selected = e.document.getText(e.selection).trim();
  if (selected !== '' && selected.length <= 64 && !selected.includes('\n')) return selected;
  const pos = e.selection.active;
  return addressAt(e.document.lineAt(pos.line).text, pos.character) ?? '';
}

export async function resolveAddress(context: vscode.ExtensionContext, sources: ViewSources, initial?: string): Promise<void> {
  const value = initialText(initial);
  const text = await vscode.window.showInputBox({
    title: 'Resolve address',
    prompt: 'An address: 0x1000 or 4096, or named by its space: gpa:0x1000, iova 0x1000, giova:00:03.0:0x1000. Its chain is shown in the Translation Tree',
    value,
    valueSelection: [0, value.length],
    validateInput: (v) => {
      const q = parseAddressQuery(v);
      return 'error' in q ? q.error : undefined;
    },
  });
  if (!text) return;
  const q = parseAddressQuery(text);
  if ('error' in q) return;
  let space = q.space;
  if (!space) {
    const items: (vscode.QuickPickItem & { space?: Space })[] = [
      { label: 'Every space', description: 'where the address is valid' },
      ...SPACES.map((s) => ({ label: spaceTitle[s], space: s })),
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Resolve ${q.addr} as…` });
    if (!pick) return;
    space = pick.space;
  }
  let device = q.device;
  if (space === 'giova' && device === undefined) {
    device = await vscode.window.showInputBox({ title: 'Device', prompt: 'BDF of the device behind the vIOMMU, e.g. 00:03.0', validateInput: (v) => (/^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(v.trim()) ? undefined : 'expected BB:DD.F') });
    if (!device) return;
  }
  const panel = openTree(context, sources);
  await panel.showResolution({ addr: q.addr, ...(space ? { space } : {}), ...(device ? { device: device.trim() } : {}) });
}

/** The code lens "state here": arguments [uri, 1-based line]. */
export async function stateAt(context: vscode.ExtensionContext, sources: ViewSources, uri?: string, line?: number): Promise<void> {
  if (typeof uri === 'string' && typeof line === 'number') await sources.showLine(uri, line);
  openTree(context, sources);
}
