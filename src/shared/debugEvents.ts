// The custom DAP events the IOVA Lens debug adapter sends, declared once for both ends: the
// adapter builds the bodies, the extension checks them with parseDebugEvent before use. Plain
// types only (no DAP or vscode imports): the bodies cross a JSON boundary, so the receiving side
// validates instead of trusting a cast — an adapter of another version must not break the panel.
import { SPACES } from '../trace/replay/spaces.js';
import type { Space, SpaceStrip, TranslationView, ViewNode, ViewSource } from './translationView.js';

export const VIEW_EVENT = 'iovaLens/view';
export const STATUS_EVENT = 'iovaLens/status';
export const DEBUG_EVENT_NAMES = [VIEW_EVENT, STATUS_EVENT] as const;
export type DebugEventName = (typeof DEBUG_EVENT_NAMES)[number];

/** Sent after every stop and after each periodic refresh while the VM runs. */
export interface ViewEventBody {
  view: TranslationView;
}

export type RunState = 'running' | 'stopped' | 'exited';

/** Sent whenever the VM's run state changes; `reason` says why (a stop reason, QEMU's exit). */
export interface StatusEventBody {
  state: RunState;
  reason?: string;
}

export type DebugEvent = { event: typeof VIEW_EVENT; body: ViewEventBody } | { event: typeof STATUS_EVENT; body: StatusEventBody };

export class DebugEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebugEventError';
  }
}

export const isDebugEventName = (name: string): name is DebugEventName => (DEBUG_EVENT_NAMES as readonly string[]).includes(name);

/**
 * Check a custom event received from the adapter. Throws a DebugEventError naming the event and
 * the first field that is wrong (with its JSON path) for unknown events and malformed bodies.
 */
export function parseDebugEvent(event: string, body: unknown): DebugEvent {
  switch (event) {
    case VIEW_EVENT: {
      const b = object(body, `${event}: body`);
      return { event, body: { view: checkView(b.view, `${event}: body.view`) } };
    }
    case STATUS_EVENT: {
      const b = object(body, `${event}: body`);
      const state = b.state;
      if (state !== 'running' && state !== 'stopped' && state !== 'exited') fail(`${event}: body.state`, '"running", "stopped" or "exited"', state);
      const reason = optString(b.reason, `${event}: body.reason`);
      return { event, body: reason === undefined ? { state } : { state, reason } };
    }
    default:
      throw new DebugEventError(`unknown IOVA Lens debug event ${JSON.stringify(event)} (known: ${DEBUG_EVENT_NAMES.join(', ')})`);
  }
}

function fail(at: string, expected: string, got: unknown): never {
  let shown: string;
  try {
    shown = got === undefined ? 'nothing' : (JSON.stringify(got) ?? String(got));
  } catch {
    shown = String(got);
  }
  throw new DebugEventError(`${at}: expected ${expected}, got ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`);
}

function object(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
  return v as Record<string, unknown>;
}

function array(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) fail(at, 'an array', v);
  return v;
}

function string(v: unknown, at: string): string {
  if (typeof v !== 'string') fail(at, 'a string', v);
  return v;
}

const optString = (v: unknown, at: string): string | undefined => (v === undefined ? undefined : string(v, at));

// Addresses travel as hex strings because JSON numbers lose bits above 2^53.
function hexAddr(v: unknown, at: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-f]{1,16}$/i.test(v)) fail(at, 'a 64-bit hex address like "0x1000"', v);
  return v;
}

function space(v: unknown, at: string): Space {
  if (typeof v !== 'string' || !(SPACES as readonly string[]).includes(v)) fail(at, `an address space (${SPACES.join(', ')})`, v);
  return v as Space;
}

function int(v: unknown, at: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(at, `an integer in ${min}..${max}`, v);
  return v;
}

function checkSource(v: unknown, at: string): ViewSource {
  const s = object(v, at);
  if (s.kind === 'trace') {
    string(s.uri, `${at}.uri`);
    int(s.line, `${at}.line`, 0, Number.MAX_SAFE_INTEGER);
    int(s.lines, `${at}.lines`, 0, Number.MAX_SAFE_INTEGER);
  } else if (s.kind === 'debug') {
    string(s.sessionId, `${at}.sessionId`);
    string(s.name, `${at}.name`);
    optString(s.stoppedAt, `${at}.stoppedAt`);
  } else fail(`${at}.kind`, '"trace" or "debug"', s.kind);
  return s as unknown as ViewSource;
}

/** Views are a few levels deep; a deeper body is refused before its error paths grow huge. */
export const MAX_VIEW_DEPTH = 32;

// Depth-first with an explicit stack: a hostile body cannot overflow the call stack.
function checkNodes(v: unknown, at: string): ViewNode[] {
  const todo: { v: unknown; at: string; depth: number }[] = [{ v, at, depth: 1 }];
  for (let item = todo.pop(); item; item = todo.pop()) {
    const depth = item.depth;
    if (depth > MAX_VIEW_DEPTH) throw new DebugEventError(`${item.at.slice(0, 80)}…: nodes nested deeper than ${MAX_VIEW_DEPTH} levels`);
    array(item.v, item.at).forEach((raw, i) => {
      const p = `${item.at}[${i}]`;
      const n = object(raw, p);
      string(n.id, `${p}.id`);
      string(n.label, `${p}.label`);
      optString(n.detail, `${p}.detail`);
      optString(n.tooltip, `${p}.tooltip`);
      optString(n.owner, `${p}.owner`);
      optString(n.memoryRef, `${p}.memoryRef`);
      if (n.space !== undefined) space(n.space, `${p}.space`);
      if (n.start !== undefined) hexAddr(n.start, `${p}.start`);
      if (n.last !== undefined) hexAddr(n.last, `${p}.last`);
      if ((n.start === undefined) !== (n.last === undefined) || (n.start !== undefined && n.space === undefined)) {
        fail(`${p}`, 'space, start and last together', { space: n.space, start: n.start, last: n.last });
      }
      if (n.target !== undefined) {
        const t = object(n.target, `${p}.target`);
        space(t.space, `${p}.target.space`);
        hexAddr(t.start, `${p}.target.start`);
      }
      if (n.perm !== undefined) int(n.perm, `${p}.perm`, 0, 3);
      if (n.createdLine !== undefined) int(n.createdLine, `${p}.createdLine`, 1, Number.MAX_SAFE_INTEGER);
      if (n.children !== undefined) todo.push({ v: n.children, at: `${p}.children`, depth: depth + 1 });
    });
  }
  return v as ViewNode[];
}

function checkStrips(v: unknown, at: string): SpaceStrip[] {
  array(v, at).forEach((raw, i) => {
    const p = `${at}[${i}]`;
    const s = object(raw, p);
    string(s.id, `${p}.id`);
    string(s.title, `${p}.title`);
    space(s.space, `${p}.space`);
    hexAddr(s.start, `${p}.start`);
    hexAddr(s.last, `${p}.last`);
    array(s.segments, `${p}.segments`).forEach((seg, j) => {
      const q = `${p}.segments[${j}]`;
      const g = object(seg, q);
      hexAddr(g.start, `${q}.start`);
      hexAddr(g.last, `${q}.last`);
      string(g.label, `${q}.label`);
      string(g.nodeId, `${q}.nodeId`);
    });
  });
  return v as SpaceStrip[];
}

function checkView(v: unknown, at: string): TranslationView {
  const o = object(v, at);
  checkSource(o.source, `${at}.source`);
  checkNodes(o.sections, `${at}.sections`);
  checkStrips(o.strips, `${at}.strips`);
  array(o.notes, `${at}.notes`).forEach((n, i) => string(n, `${at}.notes[${i}]`));
  return o as unknown as TranslationView;
}
