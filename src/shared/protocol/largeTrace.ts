// Messages between the large-trace worker, the extension that owns it and the trace viewer
// webview, declared once for the three. The viewer's requests are a subset of the worker's (the
// extension forwards them, the worker alone opens files). Every incoming message is checked with
// the protocol kit (check.ts) before it is used: a bad one gets an error that names the message
// and the field, never a crash. No Node APIs, so the browser bundle can include this file.
import { arr, fail, int, obj, optInt, optStr, shown, str, type Obj } from './check.js';
import type { Space } from '../../model/space.js';
import type { FilterCriteria, StateAtResult } from './lsp.js';
import type { WireResolveAnswer } from './resolveWire.js';
import type { Diagnostic } from '../../trace/replay/diagnostics.js';

export type { FilterCriteria, WireResolveAnswer, StateAtResult, Diagnostic };

/** One line of the trace as the viewer shows it; `cut`: the text stops there (a very long line). */
export interface LineText {
  line: number;
  text: string;
  cut?: number;
}

export interface LargeHover {
  /** the language server's hover text (markdown) */
  markdown: string;
  line: number;
  /** 0-based columns of what the hover is about, end exclusive */
  start: number;
  end: number;
  /** true: the replay has not reached this line yet; the text says how far it is */
  pending?: boolean;
}

export interface LargeTraceSummary {
  path: string;
  bytes: number;
  lines: number;
  /** events and diagnostics of the whole file: 0 until `replayed` */
  events: number;
  diagnostics: number;
  /** the line index (what the viewer waits for before it scrolls and filters) */
  indexMillis: number;
  /** the replay read the whole file (it runs in the background after the index) */
  replayed: boolean;
  /** how long the replay took, once `replayed` */
  replayMillis?: number;
  /** memory of the line offsets */
  indexBytes: number;
  /** problems with user trace-events files */
  definitionProblems: string[];
}

export interface LargeFilterResult {
  /** 1-based matching lines, ascending */
  lines: number[];
  truncated: boolean;
  /** lines looked at (all of them unless truncated) */
  scanned: number;
  millis: number;
}

/** What the viewer may ask (lines are 1-based, columns 0-based UTF-16 offsets into the line text). */
export type ViewerRequest =
  | { type: 'lines'; id: number; from: number; count: number }
  | { type: 'linesAt'; id: number; lines: number[] }
  | { type: 'hover'; id: number; line: number; column: number }
  | { type: 'definition'; id: number; line: number; column: number }
  | { type: 'diagnostics'; id: number; from: number; to: number }
  | { type: 'filter'; id: number; criteria: FilterCriteria; limit?: number }
  /** every table with its mappings as of `line` (the language server's stateAt answer) */
  | { type: 'stateAt'; id: number; line: number }
  /** where an address (hex or decimal) goes as of `line` */
  | { type: 'resolve'; id: number; space: Space; addr: string; line: number; asid?: number; device?: string }
  /** stop request `target` (an index build or a filter scan) */
  | { type: 'cancel'; id: number; target: number };

export interface OpenRequest {
  type: 'open';
  id: number;
  path: string;
  stride?: number;
  traceEvents?: string[];
  uri?: string;
}
/**
 * `replay`: answered with `replayed` (the final summary) when the background replay is done;
 * `progress` messages come meanwhile. `stats`: the worker's memory (peak RSS is the whole process's, heap the worker's own). */
export type WorkerRequest = ViewerRequest | OpenRequest | { type: 'replay'; id: number } | { type: 'close'; id: number } | { type: 'stats'; id: number };
export type RequestType = WorkerRequest['type'];

export type WorkerResponse =
  | { type: 'progress'; id: number; fraction: number; bytes: number; total: number }
  | { type: 'opened'; id: number; summary: LargeTraceSummary }
  | { type: 'replayed'; id: number; summary: LargeTraceSummary }
  | { type: 'lines'; id: number; lines: LineText[] }
  | { type: 'hover'; id: number; hover: LargeHover | null }
  | { type: 'definition'; id: number; lines: number[] }
  | { type: 'diagnostics'; id: number; items: Diagnostic[] }
  | { type: 'filter'; id: number; result: LargeFilterResult }
  | { type: 'stateAt'; id: number; state: StateAtResult }
  | { type: 'resolve'; id: number; result: WireResolveAnswer }
  | { type: 'done'; id: number }
  | { type: 'stats'; id: number; maxRssKiB: number; rssBytes: number; heapUsedBytes: number }
  | { type: 'error'; id: number; message: string; cancelled?: boolean };

/** The final answer each request type gets (progress messages may come before it). */
export interface ResultOf {
  open: Extract<WorkerResponse, { type: 'opened' }>;
  replay: Extract<WorkerResponse, { type: 'replayed' }>;
  lines: Extract<WorkerResponse, { type: 'lines' }>;
  linesAt: Extract<WorkerResponse, { type: 'lines' }>;
  hover: Extract<WorkerResponse, { type: 'hover' }>;
  definition: Extract<WorkerResponse, { type: 'definition' }>;
  diagnostics: Extract<WorkerResponse, { type: 'diagnostics' }>;
  filter: Extract<WorkerResponse, { type: 'filter' }>;
  stateAt: Extract<WorkerResponse, { type: 'stateAt' }>;
  resolve: Extract<WorkerResponse, { type: 'resolve' }>;
  cancel: Extract<WorkerResponse, { type: 'done' }>;
  close: Extract<WorkerResponse, { type: 'done' }>;
  stats: Extract<WorkerResponse, { type: 'stats' }>;
}

/** Extension → viewer: the worker's answers plus the document's state. */
export type HostMessage =
  | WorkerResponse
  | { type: 'init'; name: string; summary: LargeTraceSummary }
  | { type: 'indexing'; name: string; fraction: number }
  /** the background replay's progress after init, then its final summary */
  | { type: 'replaying'; name: string; fraction: number }
  | { type: 'replayFinished'; name: string; summary: LargeTraceSummary }
  | { type: 'failed'; message: string }
  /** move the cursor to this line (the translation tree's scrubber, a node's creating line) */
  | { type: 'reveal'; line: number };

/** Viewer → extension: a request, `ready`, or where the cursor is (the tree follows it). */
export type ViewerMessage = ViewerRequest | { type: 'ready' } | { type: 'cursor'; line: number };

/** At most this many lines per lines / linesAt request. */
export const MAX_LINES_PER_REQUEST = 5000;

export { ProtocolError } from './check.js';

const LINE_LIMIT = `the limit of ${MAX_LINES_PER_REQUEST} lines per request`;
const CRITERIA = ['space', 'start', 'last', 'family', 'device', 'asid'];

function criteria(v: unknown, path: string): void {
  const c = obj(v, path);
  for (const [k, x] of Object.entries(c)) {
    if (!CRITERIA.includes(k)) fail(path, `unknown criterion "${k}" (known: ${CRITERIA.join(', ')})`);
    if (k === 'asid') int(x, `${path}.asid`, 0, 0xffff_ffff);
    else str(x, `${path}.${k}`, 256);
  }
}

/** Check a request from the viewer (anything the worker accepts except open/replay/close/stats). */
export function parseViewerRequest(msg: unknown): ViewerRequest {
  const r = parseWorkerRequest(msg);
  if (r.type === 'open' || r.type === 'close' || r.type === 'stats' || r.type === 'replay') fail('', `the viewer may not send "${r.type}" messages`);
  return r;
}

export function parseWorkerRequest(msg: unknown): WorkerRequest {
  const m: Obj = obj(msg, 'request');
  const at = (field: string) => `${typeof m.type === 'string' ? m.type.slice(0, 40) : 'request'} message.${field}`;
  int(m.id, at('id'), 0);
  switch (m.type) {
    case 'open':
      str(m.path, at('path'), 4096);
      optInt(m.stride, at('stride'), 1);
      optStr(m.uri, at('uri'), 4096);
      if (m.traceEvents !== undefined) arr(m.traceEvents, at('traceEvents'), 64).forEach((p, i) => str(p, at(`traceEvents[${i}]`), 4096));
      break;
    case 'lines':
      int(m.from, at('from'), 1);
      int(m.count, at('count'), 0);
      if ((m.count as number) > MAX_LINES_PER_REQUEST) fail(at('count'), `${String(m.count)} is over ${LINE_LIMIT}`);
      break;
    case 'linesAt':
      arr(m.lines, at('lines'), MAX_LINES_PER_REQUEST).forEach((l, i) => int(l, at(`lines[${i}]`), 1));
      break;
    case 'hover':
    case 'definition':
      int(m.line, at('line'), 1);
      int(m.column, at('column'), 0);
      break;
    case 'diagnostics':
      int(m.from, at('from'), 1);
      int(m.to, at('to'), 0);
      break;
    case 'filter':
      criteria(m.criteria, at('criteria'));
      optInt(m.limit, at('limit'), 1);
      break;
    case 'stateAt':
      int(m.line, at('line'), 1);
      break;
    case 'resolve':
      int(m.line, at('line'), 1);
      str(m.space, at('space'), 16);
      str(m.addr, at('addr'), 64);
      optInt(m.asid, at('asid'), 0);
      optStr(m.device, at('device'), 64);
      break;
    case 'cancel':
      int(m.target, at('target'), 0);
      break;
    case 'close':
    case 'stats':
    case 'replay':
      break;
    default:
      fail('request.type', `unknown request type ${shown(m.type)}`);
  }
  return m as unknown as WorkerRequest;
}

const RESPONSE_TYPES = new Set(['progress', 'opened', 'replayed', 'lines', 'hover', 'definition', 'diagnostics', 'filter', 'stateAt', 'resolve', 'done', 'stats', 'error']);

/**
 * Check a worker answer before trusting its type and id (the rest is the worker's own output; a
 * resolve answer is decoded in full by the one that uses it, decodeResolveAnswer, so a bad one fails
 * that request only).
 */
export function parseWorkerResponse(msg: unknown): WorkerResponse {
  const m: Obj = obj(msg, 'worker response');
  if (!RESPONSE_TYPES.has(m.type as string)) fail('worker response.type', `unknown worker response type ${shown(m.type)}`);
  int(m.id, `${String(m.type)} response.id`, m.type === 'error' ? -1 : 0);
  if (m.type === 'error') str(m.message, 'error response.message');
  return m as unknown as WorkerResponse;
}

/** Check a message from the viewer: "ready", its cursor line, or a request. */
export function parseViewerMessage(msg: unknown): ViewerMessage {
  const m: Obj = obj(msg, 'viewer message');
  if (m.type === 'ready') return { type: 'ready' };
  if (m.type === 'cursor') return { type: 'cursor', line: int(m.line, 'cursor message.line', 1) };
  return parseViewerRequest(m);
}
