// Requests and notifications between the extension (client) and the trace language server,
// declared once and compiled into both sides. Plain descriptors (no jsonrpc import) so the
// extension, the server and a webview can share the module; addresses travel as hex strings
// because JSON has no 64-bit integers.
import type { QemuLayout } from '../../model/qemuLayout.js';
import type { Space } from '../../model/space.js';
import type { WireResolveAnswer } from './resolveWire.js';
import { int, obj, optInt, optStr, str } from './check.js';

/** A typed request: `method` goes over the wire, the phantom fields carry the types. */
export interface RequestDef<P, R> {
  readonly method: string;
  readonly params?: P;
  readonly result?: R;
}
export interface NotificationDef<P> {
  readonly method: string;
  readonly params?: P;
}
export type ParamsOf<T> = T extends RequestDef<infer P, unknown> ? P : T extends NotificationDef<infer P> ? P : never;
export type ResultOf<T> = T extends RequestDef<unknown, infer R> ? R : never;

/** 1-based trace line numbers everywhere in this protocol (what users read in the file). */
export interface StateAtParams {
  uri: string;
  line: number;
}
export interface WireMapping {
  /** hex, inclusive range */
  start: string;
  last: string;
  target: string;
  perm: number;
  createdLine: number;
  owner?: string;
}
export interface WireTable {
  label: string;
  kind: string;
  keySpace: Space;
  targetSpace: Space;
  owner: string;
  asid?: number;
  device?: string;
  mappings: WireMapping[];
}
export interface StateAtResult {
  line: number;
  tables: WireTable[];
}

export interface ResolveParams {
  uri: string;
  space: Space;
  /** hex ("0x1000") or decimal */
  addr: string;
  line: number;
  asid?: number;
  device?: string;
}
/** The answer is the one wire shape of a ResolveAnswer (resolveWire.ts), with its line. */

/** Lines that match every criterion given (none given: every event line). */
export interface FilterCriteria {
  /** an address range in one space: lines with a field of that space overlapping it */
  space?: Space;
  start?: string;
  /** inclusive; defaults to start */
  last?: string;
  /** event-name prefix, e.g. "vtd_" or "vhost_vdpa_dma" */
  family?: string;
  /** a device as the trace prints it: a BDF ("00:02.0") or a pointer */
  device?: string;
  asid?: number;
}
export interface FilterParams {
  uri: string;
  criteria: FilterCriteria;
  /** at most this many lines (default 100000) */
  limit?: number;
}
export interface FilterResult {
  /** 1-based lines, ascending */
  lines: number[];
  truncated: boolean;
}

export interface IndexedParams {
  uri: string;
  version: number;
  lines: number;
  events: number;
  millis: number;
}

export const StateAtRequest: RequestDef<StateAtParams, StateAtResult | null> = { method: 'iovaLens/stateAt' };
export const ResolveRequest: RequestDef<ResolveParams, WireResolveAnswer | null> = { method: 'iovaLens/resolve' };
export const FilterRequest: RequestDef<FilterParams, FilterResult | null> = { method: 'iovaLens/filter' };
/** server → client: a document's index is ready (after each re-index) */
export const IndexedNotification: NotificationDef<IndexedParams> = { method: 'iovaLens/indexed' };

/** The command code lenses carry; arguments: [uri: string, line: number (1-based)]. */
export const STATE_AT_COMMAND = 'iovaLens.stateAt';

/** Settings section "iovaLens" the server reads. */
export interface ServerSettings {
  inlayHints: { enabled: boolean };
  /** extra trace-events files; they take precedence over the built-in catalog */
  traceEvents: string[];
  /** VhostIOVATree layout: auto (decide from the trace), legacy or current */
  qemuLayout: QemuLayout;
  /** QEMU's stderr / libvirt log merged by time ("" = the sibling file rule of trace/qemuLog.ts) */
  qemuLog: string;
}
export const SETTINGS_SECTION = 'iovaLens';
export const defaultServerSettings: ServerSettings = { inlayHints: { enabled: false }, traceEvents: [], qemuLayout: 'auto', qemuLog: '' };

/**
 * Server-internal (never on the wire from a client): the server's message reader stands this in
 * for a didOpen/didChange whose body was over its size limit and was streamed past unread.
 */
export interface DocumentTooLargeParams {
  uri: string;
  /** the version the client gave, when the reader saw it */
  version?: number;
  /** the Content-Length of the message that carried the document */
  bytes: number;
  /** the limit it was over, in bytes */
  limit: number;
}
export const DocumentTooLargeNotification: NotificationDef<DocumentTooLargeParams> = { method: 'iovaLens/internal/documentTooLarge' };

/** Server-internal: stands in for a request over the size limit, so it is answered with an error. */
export interface MessageTooLargeParams {
  /** the method of the refused request, when the reader saw it */
  method?: string;
  bytes: number;
  limit: number;
}
export const MessageTooLargeRequest: RequestDef<MessageTooLargeParams, never> = { method: 'iovaLens/internal/messageTooLarge' };

/** The server's initializationOptions beyond `settings`. */
export interface ServerInitOptions {
  /** the largest message (and document) the server reads, in MiB (default 64) */
  maxDocumentMB?: number;
}

export function checkDocumentTooLarge(v: unknown): DocumentTooLargeParams {
  const o = obj(v, 'params');
  return { uri: str(o.uri, 'params.uri', 65_536), version: optInt(o.version, 'params.version', -(2 ** 31)), bytes: int(o.bytes, 'params.bytes', 0), limit: int(o.limit, 'params.limit', 0) };
}

export function checkMessageTooLarge(v: unknown): MessageTooLargeParams {
  const o = obj(v, 'params');
  return { method: optStr(o.method, 'params.method', 8192), bytes: int(o.bytes, 'params.bytes', 0), limit: int(o.limit, 'params.limit', 0) };
}

/** initializationOptions.maxDocumentMB: undefined when absent; a clear error when not 1..4096. */
export function checkMaxDocumentMB(initOptions: unknown): number | undefined {
  if (typeof initOptions !== 'object' || initOptions === null) return undefined;
  const v = (initOptions as Record<string, unknown>).maxDocumentMB;
  return v === undefined ? undefined : int(v, 'initializationOptions.maxDocumentMB', 1, 4096);
}
