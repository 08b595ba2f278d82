// The messages between the extension and the translation tree webview, declared once and
// compiled into both sides. Each side checks what arrives from the other with the protocol kit
// (check.ts): a malformed message becomes an error value (never a throw), so a bad message is
// reported and dropped instead of killing the view or the extension host.
import type { Space } from '../../model/space.js';
import { bool, fail, int, obj, optStr, parsed, shown, space, str, type Obj, type Parsed } from './check.js';
import { checkResolution, checkView } from './viewCheck.js';
import type { TranslationView, ViewResolution } from '../translationView.js';

export type { Parsed };

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

// the debug adapter's memory references: gpa:ADDR, hva:ADDR, giova:BB:DD.F:ADDR
const TEXT = 4096;
const MEMORY_REF = /^(?:gpa|hva|giova:[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]):(?:0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;

/** Check a message the webview received from the extension. */
export function parseToWebview(data: unknown): Parsed<ToWebview> {
  return parsed(data, (raw) => {
    const o: Obj = obj(raw, 'message');
    switch (o.type) {
      case 'view': {
        const reason = optStr(o.reason, 'message.reason', TEXT);
        const view = o.view === undefined ? undefined : checkView(o.view, 'message.view');
        return { type: 'view', view, ...(reason !== undefined ? { reason } : {}) };
      }
      case 'resolution':
        return { type: 'resolution', resolution: checkResolution(o.resolution, 'message.resolution') };
      case 'busy': {
        const busy = bool(o.busy, 'message.busy');
        const message = optStr(o.message, 'message.message', TEXT);
        return { type: 'busy', busy, ...(message !== undefined ? { message } : {}) };
      }
      case 'error':
        return { type: 'error', message: str(o.message, 'message.message') };
      default:
        return fail('message.type', `unknown message type ${shown(o.type)} (view, resolution, busy, error)`);
    }
  });
}

/** Check a message the extension received from the webview. */
export function parseFromWebview(data: unknown): Parsed<FromWebview> {
  return parsed(data, (raw) => {
    const o: Obj = obj(raw, 'message');
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
        return fail('message.type', `unknown message type ${shown(o.type)} (ready, refresh, resolve, goToLine, revealLine, openMemory)`);
    }
  });
}
