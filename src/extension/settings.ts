// The extension's settings ("iovaLens.*"), read in one place with their defaults.
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../server/protocol.js';
import { layoutOrAuto, type QemuLayout } from '../model/qemuLayout.js';

export interface IovaLensSettings {
  traceEvents: string[];
  qemuLayout: QemuLayout;
  refreshIntervalMs: number;
  inlayHintsEnabled: boolean;
  /** QEMU's stderr / libvirt log to merge ("" = the file next to the trace, if any) */
  qemuLog: string;
}

export function readSettings(): IovaLensSettings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  return {
    traceEvents: c.get<string[]>('traceEvents', []).filter((s) => typeof s === 'string' && s.length > 0),
    qemuLayout: layoutOrAuto(c.get<string>('qemuLayout', 'auto')),
    refreshIntervalMs: Math.max(0, c.get<number>('refreshIntervalMs', 0)),
    inlayHintsEnabled: c.get<boolean>('inlayHints.enabled', false),
    qemuLog: c.get<string>('qemuLog', ''),
  };
}
