// The messages between the extension and the translation tree webview, declared once and
// compiled into both sides. Each side checks what arrives from the other with the parsers
// below: a malformed message becomes an error value (never a throw), so a bad message is
// reported and dropped instead of killing the view or the extension host.
import { isSpace, type Space } from '../trace/replay/spaces.js';
import type { SpaceStrip, TranslationView, ViewHop, ViewNode, ViewResolution, ViewSource } from './translationView.js';

/** Extension → webview. */
export type ToWebview =
  /** the view of the selected source; undefined with a reason when there is none */
  | { type: 'view'; view: TranslationView | undefined; reason?: string }
  | { type: 'resolution'; resolution: ViewResolution }
  /** work in progress (a re-index, a live snapshot); busy false clears it */
  | { type: 'busy'; busy: boolean; message?: string }
  | { type: 'error'; message: string };

/** What the resolve box asks: the same shape as the extension's ResolveQuery. */
export interface ResolveAsk {
  addr: string;
  space?: Space;
  device?: string;
}

/** Webview → extension. The webview announces `ready` first and gets the current view. */
export type FromWebview =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'resolve'; query: ResolveAsk }
  /** scrubber: show the trace state at this 1-based line */
  | { type: 'goToLine'; line: number }
  /** a node's creating trace line */
  | { type: 'revealLine'; line: number }
  | { type: 'openMemory'; memoryRef: string };

export type Parsed<T> = { ok: true; msg: T } | { ok: false; error: string };

// Hex strings of at most 64 bits: the webview turns them into bigint without a try.
const HEX64 = /^0x[0-9a-fA-F]{1,16}$/;
// the debug adapter's memory references: gpa:ADDR, hva:ADDR, giova:BB:DD.F:ADDR
const MEMORY_REF = /^(?:gpa|hva|giova:[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]):(?:0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;
const MAX_DEPTH = 16;
const MAX_TEXT = 4096;

class Malformed extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, what: string): never {
  throw new Malformed(`${path}: ${what}`);
}
function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, `expected an object, got ${describe(v)}`);
  return v;
}
function str(v: unknown, path: string, max = MAX_TEXT): string {
  if (typeof v !== 'string') fail(path, `expected a string, got ${describe(v)}`);
  if (v.length > max) fail(path, `string of ${v.length} characters (at most ${max})`);
  return v;
}
function optStr(o: Obj, key: string, path: string): void {
  if (o[key] !== undefined) str(o[key], `${path}.${key}`);
}
function hex(v: unknown, path: string): string {
  const s = str(v, path, 64);
  if (!HEX64.test(s)) fail(path, `"${s}" is not a 64-bit hex address`);
  return s;
}
function optHex(o: Obj, key: string, path: string): void {
  if (o[key] !== undefined) hex(o[key], `${path}.${key}`);
}
function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `expected an integer in ${min}..${max}, got ${describe(v)}`);
  return v;
}
function optInt(o: Obj, key: string, path: string, min: number, max?: number): void {
  if (o[key] !== undefined) int(o[key], `${path}.${key}`, min, max);
}
function space(v: unknown, path: string): Space {
  const s = str(v, path, 16);
  if (!isSpace(s)) fail(path, `unknown address space "${s}" (gpa, hva, iova, giova)`);
  return s;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `expected an array, got ${describe(v)}`);
  return v;
}
function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function checkSource(v: unknown, path: string): ViewSource {
  const o = obj(v, path);
  if (o.kind === 'trace') {
    str(o.uri, `${path}.uri`);
    int(o.line, `${path}.line`, 1);
    int(o.lines, `${path}.lines`, 0);
  } else if (o.kind === 'debug') {
    str(o.sessionId, `${path}.sessionId`);
    str(o.name, `${path}.name`);
    optStr(o, 'stoppedAt', path);
  } else fail(`${path}.kind`, `expected "trace" or "debug", got ${describe(o.kind)}`);
  return o as unknown as ViewSource;
}

function checkNode(v: unknown, path: string, depth: number): ViewNode {
  if (depth > MAX_DEPTH) fail(path, `nodes nested deeper than ${MAX_DEPTH}`);
  const o = obj(v, path);
  str(o.id, `${path}.id`);
  str(o.label, `${path}.label`);
  optStr(o, 'detail', path);
  optStr(o, 'tooltip', path);
  if (o.space !== undefined) space(o.space, `${path}.space`);
  optHex(o, 'start', path);
  optHex(o, 'last', path);
  if (o.target !== undefined) {
    const t = obj(o.target, `${path}.target`);
    space(t.space, `${path}.target.space`);
    hex(t.start, `${path}.target.start`);
  }
  optStr(o, 'owner', path);
  optInt(o, 'perm', path, 0, 3);
  optInt(o, 'createdLine', path, 1);
  optStr(o, 'memoryRef', path);
  if (o.children !== undefined) arr(o.children, `${path}.children`).forEach((c, i) => checkNode(c, `${path}.children[${i}]`, depth + 1));
  return o as unknown as ViewNode;
}

function checkStrip(v: unknown, path: string): SpaceStrip {
  const o = obj(v, path);
  str(o.id, `${path}.id`);
  str(o.title, `${path}.title`);
  space(o.space, `${path}.space`);
  const start = BigInt(hex(o.start, `${path}.start`));
  const last = BigInt(hex(o.last, `${path}.last`));
  if (last < start) fail(path, `strip ends (${o.last}) before it starts (${o.start})`);
  arr(o.segments, `${path}.segments`).forEach((s, i) => {
    const p = `${path}.segments[${i}]`;
    const so = obj(s, p);
    const a = BigInt(hex(so.start, `${p}.start`));
    const b = BigInt(hex(so.last, `${p}.last`));
    if (b < a || a < start || b > last) fail(p, `segment [${so.start}, ${so.last}] is not inside the strip [${o.start}, ${o.last}]`);
    str(so.label, `${p}.label`);
    str(so.nodeId, `${p}.nodeId`);
  });
  return o as unknown as SpaceStrip;
}

function checkView(v: unknown, path: string): TranslationView {
  const o = obj(v, path);
  checkSource(o.source, `${path}.source`);
  arr(o.sections, `${path}.sections`).forEach((n, i) => checkNode(n, `${path}.sections[${i}]`, 0));
  arr(o.strips, `${path}.strips`).forEach((s, i) => checkStrip(s, `${path}.strips[${i}]`));
  arr(o.notes, `${path}.notes`).forEach((n, i) => str(n, `${path}.notes[${i}]`));
  return o as unknown as TranslationView;
}

function checkHop(v: unknown, path: string): ViewHop {
  const o = obj(v, path);
  space(o.space, `${path}.space`);
  hex(o.addr, `${path}.addr`);
  optStr(o, 'owner', path);
  optInt(o, 'perm', path, 0, 3);
  optInt(o, 'createdLine', path, 1);
  optInt(o, 'asid', path, 0);
  optStr(o, 'device', path);
  optStr(o, 'nodeId', path);
  return o as unknown as ViewHop;
}

function checkResolution(v: unknown, path: string): ViewResolution {
  const o = obj(v, path);
  str(o.query, `${path}.query`);
  arr(o.chains, `${path}.chains`).forEach((c, i) => arr(c, `${path}.chains[${i}]`).forEach((h, j) => checkHop(h, `${path}.chains[${i}][${j}]`)));
  optStr(o, 'error', path);
  optStr(o, 'note', path);
  return o as unknown as ViewResolution;
}

function guarded<T>(data: unknown, check: (o: Obj) => T): Parsed<T> {
  try {
    return { ok: true, msg: check(obj(data, 'message')) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, error: `malformed message: ${e.message}` };
    return { ok: false, error: `malformed message: ${(e as Error).message ?? String(e)}` };
  }
}

/** Check a message the webview received from the extension. */
export function parseToWebview(data: unknown): Parsed<ToWebview> {
  return guarded(data, (o) => {
    switch (o.type) {
      case 'view':
        if (o.view === undefined) {
          optStr(o, 'reason', 'message');
          return { type: 'view', view: undefined, ...(o.reason !== undefined ? { reason: o.reason as string } : {}) };
        }
        optStr(o, 'reason', 'message');
        return { type: 'view', view: checkView(o.view, 'message.view'), ...(o.reason !== undefined ? { reason: o.reason as string } : {}) };
      case 'resolution':
        return { type: 'resolution', resolution: checkResolution(o.resolution, 'message.resolution') };
      case 'busy':
        if (typeof o.busy !== 'boolean') fail('message.busy', `expected a boolean, got ${describe(o.busy)}`);
        optStr(o, 'message', 'message');
        return { type: 'busy', busy: o.busy, ...(o.message !== undefined ? { message: o.message as string } : {}) };
      case 'error':
        return { type: 'error', message: str(o.message, 'message.message') };
      default:
        return fail('message.type', `unknown message type ${describe(o.type)} (view, resolution, busy, error)`);
    }
  });
}

/** Check a message the extension received from the webview. */
export function parseFromWebview(data: unknown): Parsed<FromWebview> {
  return guarded(data, (o) => {
    switch (o.type) {
      case 'ready':
      case 'refresh':
        return { type: o.type };
      case 'resolve': {
        const q = obj(o.query, 'message.query');
        const addr = str(q.addr, 'message.query.addr', 64).trim();
        if (addr === '') fail('message.query.addr', 'empty address');
        const query: ResolveAsk = { addr };
        if (q.space !== undefined) query.space = space(q.space, 'message.query.space');
        if (q.device !== undefined) {
          const device = str(q.device, 'message.query.device', 64).trim();
          if (device !== '') query.device = device;
        }
        return { type: 'resolve', query };
      }
      case 'goToLine':
      case 'revealLine':
        return { type: o.type, line: int(o.line, 'message.line', 1) };
      case 'openMemory': {
        const ref = str(o.memoryRef, 'message.memoryRef', 128);
        if (!MEMORY_REF.test(ref)) fail('message.memoryRef', `"${ref}" is not a space-named memory reference (gpa:0x…, hva:0x…, giova:BB:DD.F:0x…)`);
        return { type: 'openMemory', memoryRef: ref };
      }
      default:
        return fail('message.type', `unknown message type ${describe(o.type)} (ready, refresh, resolve, goToLine, revealLine, openMemory)`);
    }
  });
}
