// The floor under the language server's memory on a big didOpen: a process that only receives
// the document over the same JSON-RPC stack (vscode-jsonrpc over stdio) and keeps its text, with
// no index. The bench runs it like the server (same hook, same messages) so the server's peak RSS
// can be read against what receiving the document costs by itself.
import rpc from 'vscode-jsonrpc/node.js';

const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(process.stdin), new rpc.StreamMessageWriter(process.stdout));
const docs = new Map();
conn.onRequest('initialize', () => ({ capabilities: {} }));
conn.onRequest('shutdown', () => null);
conn.onNotification('exit', () => process.exit(0));
conn.onNotification('textDocument/didOpen', (p) => {
  const { uri, text, version } = p.textDocument;
  docs.set(uri, text);
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  if (text.endsWith('\n')) lines--;
  void conn.sendNotification('iovaLens/indexed', { uri, version, lines, events: 0, millis: 0 });
  void conn.sendNotification('textDocument/publishDiagnostics', { uri, version, diagnostics: [] });
});
conn.listen();
