// Feedback while a stop is read: from the adapter's "stopped" status to the view of that stop
// (registers, rings, VT-d walks over the gdbstub can take seconds on a busy host), the status
// bar says what is going on, so a pause never looks like nothing happened.
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug/args.js';
import { STATUS_EVENT, VIEW_EVENT } from '../shared/protocol/debugEvents.js';

export function registerStopProgress(): vscode.Disposable {
  const pending = new Map<string, () => void>();
  const finish = (id: string): void => {
    pending.get(id)?.();
    pending.delete(id);
  };
  return vscode.Disposable.from(
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.session.type !== DEBUG_TYPE) return;
      const state = (e.body as { state?: unknown } | undefined)?.state;
      if (e.event === VIEW_EVENT || (e.event === STATUS_EVENT && state !== 'stopped')) {
        finish(e.session.id);
        return;
      }
      if (e.event !== STATUS_EVENT || pending.has(e.session.id)) return;
      const done = new Promise<void>((resolve) => pending.set(e.session.id, resolve));
      void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `IOVA Lens: reading the VM's state at this stop (${e.session.name})` }, () => done);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => finish(s.id)),
    new vscode.Disposable(() => {
      for (const id of [...pending.keys()]) finish(id);
    }),
  );
}
