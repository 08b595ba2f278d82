// Runs inside the VS Code extension host (see ../runTest.ts): the extension's language features
// and commands through the public vscode API, on the workspace copy of the legacy aliased-unmap
// trace. Each check names what a user would see; the first failure fails the run.
import * as vscode from 'vscode';
import assert from 'node:assert/strict';
import { join } from 'node:path';

const UNMAP_LINE = 16; // 0-based: trace line 17, the aliased vhost_vdpa_dma_unmap
const WAIT_MS = 20_000;

async function until<T>(f: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} (waited ${WAIT_MS} ms)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const markdown = (h: vscode.Hover): string => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : '')).join('\n');

const checks: [string, (doc: vscode.TextDocument) => Promise<void>][] = [
  [
    'trace-legacy.log opens as a QEMU trace',
    async (doc) => assert.equal(doc.languageId, 'qemu-trace'),
  ],
  [
    'hover on the unmap iova: the mapping it removes and the aliasing',
    async (doc) => {
      const pos = new vscode.Position(UNMAP_LINE, doc.lineAt(UNMAP_LINE).text.indexOf('0x1000 size'));
      const text = await until(async () => {
        const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
        const md = hovers.map(markdown).join('\n');
        return md.includes('removes the mapping') ? md : undefined;
      }, 'no hover with the removed mapping');
      assert.match(text, /IOVA \[0x1000, 0x80000fff\][^\n]*GPA \[0x0, 0x7fffffff\]/);
      assert.match(text, /should have been this region's own map at IOVA \[0x2000001000, 0x2000020fff\]/);
    },
  ],
  [
    'Problems: the aliased unmap is an error on line 17',
    async (doc) => {
      const d = await until(() => vscode.languages.getDiagnostics(doc.uri).find((x) => String(typeof x.code === 'object' ? x.code.value : x.code) === 'aliased-unmap'), 'no aliased-unmap diagnostic');
      assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(d.range.start.line, UNMAP_LINE);
    },
  ],
  [
    'go to definition from the unmap iova: the map of line 5',
    async (doc) => {
      const pos = new vscode.Position(UNMAP_LINE, doc.lineAt(UNMAP_LINE).text.indexOf('0x1000 size'));
      const locs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, pos);
      const lines = locs.map((l) => ('targetRange' in l ? l.targetRange : l.range).start.line);
      assert.deepEqual(lines, [4]);
    },
  ],
  [
    'Open Translation Tree opens its panel',
    async () => {
      await vscode.commands.executeCommand('iovaLens.openTranslationTree');
      await until(() => (vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('iovaLens.translationTree')) ? true : undefined), 'no Translation tree tab');
    },
  ],
];

export async function run(): Promise<void> {
  const workspace = process.env.IOVA_LENS_E2E_WORKSPACE;
  if (!workspace) throw new Error('IOVA_LENS_E2E_WORKSPACE is not set: start this suite through runTest.ts');
  const doc = await vscode.workspace.openTextDocument(join(workspace, 'trace-legacy.log'));
  await vscode.window.showTextDocument(doc);
  const failures: string[] = [];
  for (const [name, check] of checks) {
    try {
      await check(doc);
      console.log(`ok - ${name}`);
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      console.log(`not ok - ${name}`);
    }
  }
  if (failures.length) throw new Error(`${failures.length} of ${checks.length} checks failed:\n${failures.join('\n')}`);
}
