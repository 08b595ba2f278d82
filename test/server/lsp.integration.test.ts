// The built server over a real LSP connection (stdio): open the legacy sample, receive its
// diagnostics, hover, go to definition, outline, and a custom request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { DocumentSymbol, Hover, Location, PublishDiagnosticsParams } from 'vscode-languageserver';
import { StateAtRequest, type StateAtResult } from '../../src/server/protocol.js';
import { samplePath, sampleText } from './fixtures.js';

let child: ChildProcess;
let conn: MessageConnection;
const uri = pathToFileURL(samplePath('aliased-unmap-svq-legacy.log')).href;
const diagnostics = new Promise<PublishDiagnosticsParams>((resolve) => {
  before(() => {
    const b = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
    assert.equal(b.status, 0, 'build failed');
    assert.ok(existsSync('dist/server.js'), 'dist/server.js was not built');
    child = spawn(process.execPath, ['dist/server.js', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      if (p.uri === uri && p.diagnostics.length) resolve(p);
    });
    conn.listen();
  });
});

after(async () => {
  await conn.sendRequest('shutdown').catch(() => undefined);
  await conn.sendNotification('exit').catch(() => undefined);
  conn.dispose();
  if (child.exitCode === null) child.kill();
});

test('initialize, open, diagnostics, hover, definition, outline, stateAt over stdio', { timeout: 60000 }, async () => {
  const init = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  assert.equal(init.capabilities.hoverProvider, true);
  assert.equal(init.capabilities.documentSymbolProvider, true);
  await conn.sendNotification('initialized', {});
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'qemu-trace', version: 1, text: sampleText('aliased-unmap-svq-legacy.log') } });

  const d = await diagnostics;
  const aliased = d.diagnostics.find((x) => x.code === 'aliased-unmap');
  assert.ok(aliased, JSON.stringify(d.diagnostics.map((x) => x.code)));
  assert.equal(aliased.range.start.line, 16);
  assert.equal(aliased.relatedInformation?.length, 4);

  const line16 = sampleText('aliased-unmap-svq-legacy.log').split('\n')[16];
  const position = { line: 16, character: line16.indexOf('0x1000') + 2 };
  const h = await conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri }, position });
  const md = (h?.contents as { value: string } | undefined)?.value ?? '';
  assert.match(md, /This line removes the mapping/);
  assert.match(md, /1\. IOVA `0x1000`\n2\. HVA `0x7f7903e00000`[^\n]*\n3\. GPA `0x0`/);

  const defs = await conn.sendRequest<Location[]>('textDocument/definition', { textDocument: { uri }, position });
  assert.deepEqual(defs.map((l) => [l.uri, l.range.start.line + 1]), [[uri, 5]]);
  const regionDel = await conn.sendRequest<Location[]>('textDocument/definition', { textDocument: { uri }, position: { line: 14, character: 30 } });
  assert.deepEqual(regionDel.map((l) => l.range.start.line + 1), [11]);

  const symbols = await conn.sendRequest<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.deepEqual(symbols.map((s) => s.name), ['vDPA init 0x55d2c1c0a650', 'listener batch', 'listener batch', 'listener batch', 'listener batch']);

  const state = await conn.sendRequest<StateAtResult | null>(StateAtRequest.method, { uri, line: 17 });
  assert.equal(state?.tables.find((t) => t.kind === 'iotlb')?.mappings.length, 2);
  await assert.rejects(conn.sendRequest(StateAtRequest.method, { uri, line: 99 }), /line 99 is outside/);
});
