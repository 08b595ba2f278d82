// Messages between the large-trace worker, the extension that owns it and the trace viewer
// webview. The viewer's requests are a subset of the worker's (the extension forwards them, the
// worker alone opens files). Every incoming message is checked here before it is used: a bad
// one gets an error that names the field, never a crash. Types only from other modules, so the
// browser bundle can include this file.
import type { FilterCriteria, ResolveWireResult, StateAtResult } from '../server/protocol.js';
import type { Space } from '../trace/replay/spaces.js';
import type { Diagnostic } from '../trace/replay/diagnostics.js';
import type { LineText } from './lineIndex.js';
import type { LargeHover, LargeTraceSummary } from './largeTrace.js';
import type { LargeFilterResult } from './filter.js';

export type { FilterCriteria, ResolveWireResult, StateAtResult, LineText, LargeHover, LargeTraceSummary, LargeFilterResult, Diagnostic };

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
/** `stats`: the worker's memory (peak RSS is the whole process's, heap the worker's own). */
export type WorkerRequest = ViewerRequest | OpenRequest | { type: 'close'; id: number } | { type: 'stats'; id: number };
export type RequestType = WorkerRequest['type'];

export type WorkerResponse =
  | { type: 'progress'; id: number; fraction: number; bytes: number; total: number }
  | { type: 'opened'; id: number; summary: LargeTraceSummary }
  | { type: 'lines'; id: number; lines: LineText[] }
  | { type: 'hover'; id: number; hover: LargeHover | null }
  | { type: 'definition'; id: number; lines: number[] }
  | { type: 'diagnostics'; id: number; items: Diagnostic[] }
  | { type: 'filter'; id: number; result: LargeFilterResult }
  | { type: 'stateAt'; id: number; state: StateAtResult }
  | { type: 'resolve'; id: number; result: ResolveWireResult }
  | { type: 'done'; id: number }
  | { type: 'stats'; id: number; maxRssKiB: number; rssBytes: number; heapUsedBytes: number }
  | { type: 'error'; id: number; message: string; cancelled?: boolean };

/** The final answer each request type gets (progress messages may come before it). */
export interface ResultOf {
  open: Extract<WorkerResponse, { type: 'opened' }>;
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
  | { type: 'failed'; message: string }
  /** move the cursor to this line (the translation tree's scrubber, a node's creating line) */
  | { type: 'reveal'; line: number };

/** Viewer → extension: a request, `ready`, or where the cursor is (the tree follows it). */
export type ViewerMessage = ViewerRequest | { type: 'ready' } | { type: 'cursor'; line: number };

/** At most this many lines per lines / linesAt request. */
export const MAX_LINES_PER_REQUEST = 5000;

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type Obj = Record<string, unknown>;

const show = (v: unknown): string => {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 60) + '…' : s;
  } catch {
    return String(v);
  }
};

function field(m: Obj, name: string, kind: 'int' | 'line' | 'string', optional = false): void {
  const v = m[name];
  if (v === undefined && optional) return;
  const where = `${String(m.type)} message: ${name}`;
  if (kind === 'string') {
    if (typeof v !== 'string') throw new ProtocolError(`${where} must be a string, got ${show(v)}`);
  } else if (typeof v !== 'number' || !Number.isInteger(v) || v < (kind === 'line' ? 1 : 0)) {
    throw new ProtocolError(`${where} must be an integer ≥ ${kind === 'line' ? 1 : 0}, got ${show(v)}`);
  }
}

function criteria(m: Obj): void {
  const c = m.criteria;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new ProtocolError(`filter message: criteria must be an object, got ${show(c)}`);
  const known = ['space', 'start', 'last', 'family', 'device', 'asid'];
  for (const [k, v] of Object.entries(c as Obj)) {
    if (!known.includes(k)) throw new ProtocolError(`filter message: unknown criterion "${k}" (known: ${known.join(', ')})`);
    if (k === 'asid' ? typeof v !== 'number' : typeof v !== 'string') throw new ProtocolError(`filter message: criterion ${k} must be a ${k === 'asid' ? 'number' : 'string'}, got ${show(v)}`);
  }
}

/** Check a request from the viewer (anything the worker accepts except open/close). */
export function parseViewerRequest(msg: unknown): ViewerRequest {
  const r = parseWorkerRequest(msg);
  if (r.type === 'open' || r.type === 'close' || r.type === 'stats') throw new ProtocolError(`the viewer may not send "${r.type}" messages`);
  return r;
}

export function parseWorkerRequest(msg: unknown): WorkerRequest {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new ProtocolError(`a request must be an object, got ${show(msg)}`);
  const m = msg as Obj;
  field(m, 'id', 'int');
  switch (m.type) {
    case 'open':
      field(m, 'path', 'string');
      field(m, 'stride', 'line', true);
      field(m, 'uri', 'string', true);
      if (m.traceEvents !== undefined && !(Array.isArray(m.traceEvents) && m.traceEvents.every((p) => typeof p === 'string')))
        throw new ProtocolError(`open message: traceEvents must be an array of paths, got ${show(m.traceEvents)}`);
      break;
    case 'lines':
      field(m, 'from', 'line');
      field(m, 'count', 'int');
      if ((m.count as number) > MAX_LINES_PER_REQUEST) throw new ProtocolError(`lines message: count ${String(m.count)} is over the limit of ${MAX_LINES_PER_REQUEST} lines per request`);
      break;
    case 'linesAt':
      if (!Array.isArray(m.lines) || !m.lines.every((l) => Number.isInteger(l) && (l as number) >= 1))
        throw new ProtocolError(`linesAt message: lines must be an array of line numbers ≥ 1, got ${show(m.lines)}`);
      if (m.lines.length > MAX_LINES_PER_REQUEST) throw new ProtocolError(`linesAt message: ${m.lines.length} lines is over the limit of ${MAX_LINES_PER_REQUEST} per request`);
      break;
    case 'hover':
    case 'definition':
      field(m, 'line', 'line');
      field(m, 'column', 'int');
      break;
    case 'diagnostics':
      field(m, 'from', 'line');
      field(m, 'to', 'int');
      break;
    case 'filter':
      criteria(m);
      field(m, 'limit', 'line', true);
      break;
    case 'stateAt':
      field(m, 'line', 'line');
      break;
    case 'resolve':
      field(m, 'line', 'line');
      field(m, 'space', 'string');
      field(m, 'addr', 'string');
      field(m, 'asid', 'int', true);
      field(m, 'device', 'string', true);
      break;
    case 'cancel':
      field(m, 'target', 'int');
      break;
    case 'close':
    case 'stats':
      break;
    default:
      throw new ProtocolError(`unknown request type ${show(m.type)}`);
  }
  return m as unknown as WorkerRequest;
}

const RESPONSE_TYPES = new Set(['progress', 'opened', 'lines', 'hover', 'definition', 'diagnostics', 'filter', 'stateAt', 'resolve', 'done', 'stats', 'error']);

/** Check a worker answer before trusting its type and id (the rest is the worker's own output). */
export function parseWorkerResponse(msg: unknown): WorkerResponse {
  if (typeof msg !== 'object' || msg === null) throw new ProtocolError(`a worker response must be an object, got ${show(msg)}`);
  const m = msg as Obj;
  if (!RESPONSE_TYPES.has(m.type as string)) throw new ProtocolError(`unknown worker response type ${show(m.type)}`);
  field(m, 'id', 'int');
  if (m.type === 'error') field(m, 'message', 'string');
  return m as unknown as WorkerResponse;
}

/** Check a message from the viewer: "ready" or a request. */
export function parseViewerMessage(msg: unknown): ViewerMessage {
  if (typeof msg === 'object' && msg !== null && (msg as Obj).type === 'ready') return { type: 'ready' };
  if (typeof msg === 'object' && msg !== null && (msg as Obj).type === 'cursor') {
    const line = (msg as Obj).line;
    if (typeof line !== 'number' || !Number.isInteger(line) || line < 1) throw new ProtocolError(`cursor message: line must be an integer ≥ 1, got ${show(line)}`);
    return { type: 'cursor', line };
  }
  return parseViewerRequest(msg);
}
