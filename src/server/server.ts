// Language server entry: thin handlers over the language service (one module per feature).
// Full-document sync; each document is re-indexed after edits settle, in slices, with LSP
// work-done progress for large documents. A failing feature answers null, never kills the server.
// Over stdio the message reader is bounded (boundedReader.ts): a document over the size limit is
// never buffered; the server keeps no text for it and says why in one diagnostic (tooLarge.ts).
import {
  createConnection,
  ErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageWriter,
  TextDocumentSyncKind,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { DocumentIndexes } from './documentIndexes.js';
import { layoutOrAuto } from '../model/qemuLayout.js';
import { catalogFor } from '../trace/analyze.js';
import { readQemuLog, siblingQemuLog, type QemuLog } from '../trace/qemuLog.js';
import { whyUnreadable } from '../trace/read/inputFile.js';
import { fileURLToPath } from 'node:url';
import { dirname, resolve as resolvePath } from 'node:path';
import type { TraceIndex } from './traceIndex.js';
import { hover } from './hover.js';
import { diagnostics } from './diagnostics.js';
import { definition } from './definition.js';
import { references } from './references.js';
import { documentSymbols } from './symbols.js';
import { inlayHints } from './inlayHints.js';
import { codeLenses } from './codeLens.js';
import { filterLines, RequestError, resolveRequest, stateAt } from './requests.js';
import {
  defaultServerSettings,
  FilterRequest,
  IndexedNotification,
  ResolveRequest,
  SETTINGS_SECTION,
  StateAtRequest,
  type FilterParams,
  type IndexedParams,
  type ResolveParams,
  type ServerSettings,
  type StateAtParams,
  DocumentTooLargeNotification,
  MessageTooLargeRequest,
  checkDocumentTooLarge,
  checkMaxDocumentMB,
  checkMessageTooLarge,
} from './protocol.js';
import { BoundedMessageReader } from './boundedReader.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './messageFramer.js';
import { tooLargeDiagnostic } from './tooLarge.js';

const logLine = (line: string): void => void process.stderr.write(`iova-lens-trace: ${line}\n`);
/** stdio (other LSP clients): our bounded reader; VS Code's IPC hands over parsed messages. */
const reader = process.argv.includes('--stdio') ? new BoundedMessageReader(process.stdin, logLine) : undefined;
const connection = reader ? createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout)) : createConnection(ProposedFeatures.all);
/** The largest document the server analyses, in bytes (initializationOptions.maxDocumentMB). */
let maxDocumentBytes = DEFAULT_MAX_MESSAGE_BYTES;
// the input ended or its framing broke (logged by the reader): nothing more can be read, so the
// server ends, with 1 as LSP asks of an exit without "shutdown" ("exit" itself ends with 0 first)
reader?.onClose(() => process.exit(1));
let settings: ServerSettings = defaultServerSettings;
let canPullConfig = false;
let canProgress = false;
let canRefreshHints = false;

function mergeSettings(raw: unknown): ServerSettings {
  const s = (raw ?? {}) as Partial<ServerSettings>;
  const files = Array.isArray(s.traceEvents) ? s.traceEvents.filter((f): f is string => typeof f === 'string' && f !== '') : [];
  return { inlayHints: { enabled: s.inlayHints?.enabled === true }, traceEvents: files, qemuLayout: layoutOrAuto(s.qemuLayout), qemuLog: typeof s.qemuLog === 'string' ? s.qemuLog : '' };
}

/** Catalog and layout settings changed: load the trace-events files and rebuild open documents. */
async function applyIndexSettings(prev: ServerSettings, next: ServerSettings): Promise<void> {
  if (JSON.stringify(prev.traceEvents) === JSON.stringify(next.traceEvents) && prev.qemuLayout === next.qemuLayout) return;
  const { catalog, problems } = await catalogFor(next.traceEvents);
  for (const p of problems) void connection.window.showWarningMessage(`IOVA Lens: trace-events: ${p}`);
  indexes.reconfigure({ catalog, replay: { layout: next.qemuLayout }, qemuLog: (uri) => qemuLogs.get(uri) });
}

/** QEMU logs merged into open traces, by document URI (the setting, or the file next to the trace). */
const qemuLogs = new Map<string, QemuLog>();

/** (Re)load the QEMU log of a document; true when what the index merges changed. */
async function loadQemuLog(uri: string): Promise<boolean> {
  const had = qemuLogs.get(uri);
  let path: string | undefined;
  try {
    const trace = fileURLToPath(uri);
    path = settings.qemuLog ? resolvePath(dirname(trace), settings.qemuLog) : await siblingQemuLog(trace);
  } catch {
    path = undefined; // not a file: no sibling to look for
  }
  if (path === undefined) {
    qemuLogs.delete(uri);
    return had !== undefined;
  }
  try {
    qemuLogs.set(uri, await readQemuLog(path));
    return true;
  } catch (e) {
    qemuLogs.delete(uri);
    void connection.window.showWarningMessage(`IOVA Lens: cannot read the QEMU log ${path}: ${whyUnreadable(e)}`);
    return had !== undefined;
  }
}

const indexes = new DocumentIndexes({
  index: { qemuLog: (uri) => qemuLogs.get(uri) },
  onIndexed(index, version, millis) {
    connection.sendDiagnostics({ uri: index.uri, version, diagnostics: diagnostics(index) });
    const p: IndexedParams = { uri: index.uri, version, lines: index.lineCount, events: index.engine.summary().events, millis: Math.round(millis) };
    void connection.sendNotification(IndexedNotification.method, p);
  },
  async progress(uri, lines) {
    if (!canProgress) return undefined;
    const p = await connection.window.createWorkDoneProgress();
    p.begin('Indexing trace', 0, `${lines} lines of ${uri.split('/').pop()}`, false);
    return { report: (pct, msg) => p.report(pct, msg), done: () => p.done() };
  },
  onError(uri, e) {
    connection.console.error(`indexing ${uri} failed: ${(e as Error).stack ?? String(e)}`);
  },
});

/** Run a feature on a document's index; errors are logged and answered as `fallback`. */
async function withIndex<T>(uri: string, what: string, fallback: T, f: (i: TraceIndex) => T): Promise<T> {
  const index = await indexes.get(uri);
  if (!index) return fallback;
  try {
    return f(index);
  } catch (e) {
    if (e instanceof RequestError) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
    connection.console.error(`${what} on ${uri} failed: ${(e as Error).stack ?? String(e)}`);
    return fallback;
  }
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const caps = params.capabilities;
  canPullConfig = caps.workspace?.configuration === true;
  canProgress = caps.window?.workDoneProgress === true;
  canRefreshHints = caps.workspace?.inlayHint?.refreshSupport === true;
  settings = mergeSettings((params.initializationOptions as { settings?: unknown } | undefined)?.settings);
  try {
    const mb = checkMaxDocumentMB(params.initializationOptions);
    if (mb !== undefined) maxDocumentBytes = mb * 2 ** 20;
  } catch (e) {
    logLine(`${(e as Error).message}; keeping the ${maxDocumentBytes / 2 ** 20} MiB limit`);
  }
  if (reader) reader.maxBytes = maxDocumentBytes;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Full },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      inlayHintProvider: true,
    },
    serverInfo: { name: 'iova-lens-trace' },
  };
});

async function takeSettings(next: ServerSettings): Promise<void> {
  const prev = settings;
  settings = next;
  if (prev.qemuLog !== next.qemuLog) for (const uri of indexes.uris()) void loadQemuLog(uri).then((changed) => changed && indexes.rebuild(uri));
  await applyIndexSettings(prev, next).catch((e: unknown) => connection.console.error(`settings: ${(e as Error).message}`));
}

async function pullSettings(): Promise<void> {
  if (!canPullConfig) return;
  await takeSettings(mergeSettings(await connection.workspace.getConfiguration(SETTINGS_SECTION)));
}

connection.onInitialized(() => void pullSettings().catch(() => undefined));
connection.onDidChangeConfiguration(async (p) => {
  if (canPullConfig) await pullSettings().catch(() => undefined);
  else await takeSettings(mergeSettings((p.settings as Record<string, unknown> | undefined)?.[SETTINGS_SECTION]));
  if (canRefreshHints) void connection.languages.inlayHint.refresh();
});

/** Documents refused for their size: no text kept, one diagnostic, every feature answers nothing. */
const refused = new Set<string>();

function refuse(uri: string, version: number | undefined, bytes: number): void {
  indexes.close(uri);
  qemuLogs.delete(uri);
  refused.add(uri);
  connection.sendDiagnostics({ uri, version, diagnostics: [tooLargeDiagnostic(uri, bytes, maxDocumentBytes)] });
}

/** A document text that reached the server whole (IPC, or under the reader's limit): refused if too big. */
function tooBig(uri: string, version: number, text: string): boolean {
  if (text.length <= maxDocumentBytes / 3 || Buffer.byteLength(text, 'utf8') <= maxDocumentBytes) {
    refused.delete(uri);
    return false;
  }
  refuse(uri, version, Buffer.byteLength(text, 'utf8'));
  return true;
}

connection.onNotification(DocumentTooLargeNotification.method, (raw: unknown) => {
  const p = checkDocumentTooLarge(raw);
  refuse(p.uri, p.version, p.bytes);
});
connection.onRequest(MessageTooLargeRequest.method, (raw: unknown) => {
  const p = checkMessageTooLarge(raw);
  throw new ResponseError(ErrorCodes.InvalidRequest, `${p.method ?? 'the request'} is ${p.bytes} bytes, over the language server's ${p.limit}-byte message limit; it was not read`);
});

connection.onDidOpenTextDocument((p) => {
  if (tooBig(p.textDocument.uri, p.textDocument.version, p.textDocument.text)) return;
  indexes.update(p.textDocument.uri, p.textDocument.version, p.textDocument.text, true);
  void loadQemuLog(p.textDocument.uri).then((changed) => changed && indexes.rebuild(p.textDocument.uri));
});
connection.onDidChangeTextDocument((p) => {
  const last = p.contentChanges[p.contentChanges.length - 1];
  if (!last) return;
  const uri = p.textDocument.uri;
  const wasRefused = refused.has(uri);
  if (tooBig(uri, p.textDocument.version, last.text)) return;
  indexes.update(uri, p.textDocument.version, last.text, wasRefused);
  // back under the limit: the document is analysed again, with its QEMU log
  if (wasRefused) void loadQemuLog(uri).then((changed) => changed && indexes.rebuild(uri));
});
connection.onDidCloseTextDocument((p) => {
  indexes.close(p.textDocument.uri);
  refused.delete(p.textDocument.uri);
  qemuLogs.delete(p.textDocument.uri);
  connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
});

connection.onHover((p) => withIndex(p.textDocument.uri, 'hover', null, (i) => hover(i, p.position)));
connection.onDefinition((p) => withIndex(p.textDocument.uri, 'definition', [], (i) => definition(i, p.position)));
connection.onReferences((p) => withIndex(p.textDocument.uri, 'references', [], (i) => references(i, p.position)));
connection.onDocumentSymbol((p) => withIndex(p.textDocument.uri, 'outline', [], (i) => documentSymbols(i)));
connection.onCodeLens((p) => withIndex(p.textDocument.uri, 'code lens', [], (i) => codeLenses(i)));
connection.languages.inlayHint.on((p) => withIndex(p.textDocument.uri, 'inlay hints', [], (i) => inlayHints(i, p.range, settings.inlayHints)));

connection.onRequest(StateAtRequest.method, (p: StateAtParams) => withIndex(p.uri, 'stateAt', null, (i) => stateAt(i, p.line)));
connection.onRequest(ResolveRequest.method, (p: ResolveParams) => withIndex(p.uri, 'resolve', null, (i) => resolveRequest(i, p)));
connection.onRequest(FilterRequest.method, (p: FilterParams) => withIndex(p.uri, 'filter', null, (i) => filterLines(i, p.criteria, p.limit)));

connection.listen();
