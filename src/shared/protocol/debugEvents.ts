// The custom DAP events the IOVA Lens debug adapter sends, declared once for both ends: the
// adapter builds the bodies, the extension checks them with parseDebugEvent (the protocol kit,
// check.ts) before use, so an adapter of another version cannot break the panel.
import { fail, obj, oneOf, optStr } from './check.js';
import { checkView } from './viewCheck.js';
import type { TranslationView } from '../translationView.js';

export const VIEW_EVENT = 'iovaLens/view';
export const STATUS_EVENT = 'iovaLens/status';
export const DEBUG_EVENT_NAMES = [VIEW_EVENT, STATUS_EVENT] as const;
export type DebugEventName = (typeof DEBUG_EVENT_NAMES)[number];

/** Sent after every stop and after each periodic refresh while the VM runs. */
export interface ViewEventBody {
  view: TranslationView;
}

export const RUN_STATES = ['running', 'stopped', 'exited'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** Sent whenever the VM's run state changes; `reason` says why (a stop reason, QEMU's exit). */
export interface StatusEventBody {
  state: RunState;
  reason?: string;
}

export type DebugEvent = { event: typeof VIEW_EVENT; body: ViewEventBody } | { event: typeof STATUS_EVENT; body: StatusEventBody };

export const isDebugEventName = (name: string): name is DebugEventName => (DEBUG_EVENT_NAMES as readonly string[]).includes(name);

/**
 * Check a custom event received from the adapter. Throws a ProtocolError naming the event and the
 * first field that is wrong (with its JSON path) for unknown events and malformed bodies.
 */
export function parseDebugEvent(event: string, body: unknown): DebugEvent {
  switch (event) {
    case VIEW_EVENT: {
      const b = obj(body, `${event}: body`);
      return { event, body: { view: checkView(b.view, `${event}: body.view`) } };
    }
    case STATUS_EVENT: {
      const b = obj(body, `${event}: body`);
      const state = oneOf(b.state, `${event}: body.state`, RUN_STATES);
      const reason = optStr(b.reason, `${event}: body.reason`);
      return { event, body: reason === undefined ? { state } : { state, reason } };
    }
    default:
      return fail('', `unknown IOVA Lens debug event ${JSON.stringify(event)} (known: ${DEBUG_EVENT_NAMES.join(', ')})`);
  }
}
