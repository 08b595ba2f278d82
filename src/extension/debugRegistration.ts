// The iova-lens debug type inside VS Code: the adapter runs inline (the same IovaLensSession
// class the standalone dist/debugAdapter.js runs), configurations get the user's settings as
// defaults, and launch — which starts a program named by the workspace — needs a trusted
// workspace.
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug/args.js';
import { IovaLensSession } from '../debug/session.js';
import { readSettings } from './settings.js';
import type { Log } from './log.js';

export const UNTRUSTED_LAUNCH_MESSAGE =
  'IOVA Lens: launching QEMU runs a program named by this workspace, so it needs a trusted workspace. Trust the folder (Workspaces: Manage Workspace Trust) or attach to a running QEMU instead.';

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  constructor(private readonly log: Log) {}
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    this.log.info(`debug session "${session.name}" (${session.configuration.request}) starts`);
    return new vscode.DebugAdapterInlineImplementation(new IovaLensSession());
  }
}

class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [
      { type: DEBUG_TYPE, request: 'attach', name: 'Attach to QEMU', qmp: 'unix:${workspaceFolder}/qmp.sock', gdb: 'localhost:1234' },
    ];
  }

  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    // F5 with no launch.json: pick a running QEMU.
    if (!config.type && !config.request) {
      await vscode.commands.executeCommand('iovaLens.attachToQemu');
      return undefined;
    }
    if (config.request === 'launch' && !vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(UNTRUSTED_LAUNCH_MESSAGE);
      return undefined;
    }
    const s = readSettings();
    if (config.traceEvents === undefined && s.traceEvents.length > 0) config.traceEvents = s.traceEvents;
    if (config.qemuLayout === undefined && s.qemuLayout !== 'auto') config.qemuLayout = s.qemuLayout;
    if (config.refreshIntervalMs === undefined && s.refreshIntervalMs > 0) config.refreshIntervalMs = s.refreshIntervalMs;
    return config;
  }
}

export function registerDebug(context: vscode.ExtensionContext, log: Log): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new InlineAdapterFactory(log)),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider(), vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );
}

/** The IOVA Lens session to ask: the active one if it is ours, else the most recent of ours. */
export function iovaLensSession(): vscode.DebugSession | undefined {
  const active = vscode.debug.activeDebugSession;
  if (active?.type === DEBUG_TYPE) return active;
  return liveSessions[liveSessions.length - 1];
}

const liveSessions: vscode.DebugSession[] = [];

export function trackSessions(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === DEBUG_TYPE) liveSessions.push(s);
    }),
    vscode.debug.onDidTerminateDebugSession((s) => {
      const i = liveSessions.indexOf(s);
      if (i >= 0) liveSessions.splice(i, 1);
    }),
  );
}
