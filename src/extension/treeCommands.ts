// Commands around the translation tree: open it, resolve an address into it, and the code
// lens's "state here" (time travel to a line).
import * as vscode from 'vscode';
import { SPACES, spaceTitle, type Space } from '../trace/replay/spaces.js';
import { TranslationTreePanel } from './treePanel.js';
import type { ViewSources } from './viewSources.js';

const ADDRESS = /^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/;

export function openTree(context: vscode.ExtensionContext, sources: ViewSources): TranslationTreePanel {
  return TranslationTreePanel.show(context, sources);
}

export async function resolveAddress(context: vscode.ExtensionContext, sources: ViewSources, initial?: string): Promise<void> {
  const addr = await vscode.window.showInputBox({
    title: 'Resolve address',
    prompt: 'An address (hex 0x… or decimal); its chain is shown in the Translation Tree',
    value: initial ?? '',
    validateInput: (v) => (ADDRESS.test(v.trim()) && BigInt(v.trim()) < 1n << 64n ? undefined : 'expected a 64-bit address, hex (0x…) or decimal'),
  });
  if (!addr) return;
  const items: (vscode.QuickPickItem & { space?: Space })[] = [
    { label: 'Every space', description: 'where the address is valid' },
    ...SPACES.map((s) => ({ label: spaceTitle[s], space: s })),
  ];
  const pick = await vscode.window.showQuickPick(items, { title: `Resolve ${addr.trim()} as…` });
  if (!pick) return;
  let device: string | undefined;
  if (pick.space === 'giova') {
    device = await vscode.window.showInputBox({ title: 'Device', prompt: 'BDF of the device behind the vIOMMU, e.g. 00:03.0', validateInput: (v) => (/^[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/.test(v.trim()) ? undefined : 'expected BB:DD.F') });
    if (!device) return;
  }
  const panel = openTree(context, sources);
  await panel.showResolution({ addr: addr.trim(), ...(pick.space ? { space: pick.space } : {}), ...(device ? { device: device.trim() } : {}) });
}

/** The code lens "state here": arguments [uri, 1-based line]. */
export async function stateAt(context: vscode.ExtensionContext, sources: ViewSources, uri?: string, line?: number): Promise<void> {
  if (typeof uri === 'string' && typeof line === 'number') await sources.showLine(uri, line);
  openTree(context, sources);
}
