// The built server over a real LSP connection (stdio): open the legacy sample, receive its
// diagnostics, hover, go to definition, outline, and a custom request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test('the iovaLens.traceEvents setting loads user event definitions and re-indexes open traces', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lsp-events-'));
  try {
    const events = join(dir, 'trace-events');
    writeFileSync(events, 'lab_dma_probe(uint64_t iova, uint32_t len) "iova 0x%" PRIx64 " len %u"\n');
    const doc = pathToFileURL(join(dir, 'probe.qtrace')).href;
    const text = 'lab_dma_probe iova 0x1000 len 4096\n';
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: doc, languageId: 'qemu-trace', version: 1, text } });
    const hoverName = async (): Promise<string> => {
      const h = await conn.sendRequest<Hover | null>('textDocument/hover', { textDocument: { uri: doc }, position: { line: 0, character: 3 } });
      return (h?.contents as { value: string } | undefined)?.value ?? '';
    };
    assert.doesNotMatch(await hoverName(), /len %u/, 'the built-in catalog does not know this event');
    await conn.sendNotification('workspace/didChangeConfiguration', { settings: { iovaLens: { traceEvents: [events] } } });
    let md = '';
    for (let i = 0; i < 50 && !/len %u/.test(md); i++) {
      await new Promise((r) => setTimeout(r, 100));
      md = await hoverName();
    }
    assert.match(md, /lab_dma_probe/);
    assert.match(md, /len %u/, `hover after the setting: ${md}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
