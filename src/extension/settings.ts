// The extension's settings ("iovaLens.*"), read in one place with their defaults.
import * as vscode from 'vscode';
import { SETTINGS_SECTION } from '../server/protocol.js';

export interface IovaLensSettings {
  traceEvents: string[];
  qemuLayout: string | undefined;
  refreshIntervalMs: number;
  inlayHintsEnabled: boolean;
}

export function readSettings(): IovaLensSettings {
  const c = vscode.workspace.getConfiguration(SETTINGS_SECTION);
  const layout = c.get<string>('qemuLayout', 'auto');
  return {
    traceEvents: c.get<string[]>('traceEvents', []).filter((s) => typeof s === 'string' && s.length > 0),
    // "auto" (or the empty value of older settings): decided from the trace
    qemuLayout: layout === 'legacy' || layout === 'current' ? layout : undefined,
    refreshIntervalMs: Math.max(0, c.get<number>('refreshIntervalMs', 0)),
    inlayHintsEnabled: c.get<boolean>('inlayHints.enabled', false),
  };
}
