// "Check Trace": runs the CLI's check over a trace file in a child process (so a 1 GB trace
// never blocks the extension host), with a cancellable progress notification; the findings go
// to the Problems panel and the output channel.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import type { CheckJson } from '../cli/report/checkReport.js';
import { readSettings } from './settings.js';
import { messageOf, type Log } from './log.js';
import { siblingQemuLog } from '../trace/qemuLog.js';
import { dirname, resolve as resolvePath } from 'node:path';



const SEVERITY: Record<string, vscode.DiagnosticSeverity> = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };

async function runCheck(cli: string, file: string, token: vscode.CancellationToken): Promise<CheckJson> {
  const s = readSettings();
  // the same QEMU log the language server merges: the setting, else the file next to the trace
  const qemuLog = s.qemuLog ? resolvePath(dirname(file), s.qemuLog) : await siblingQemuLog(file);
  const args = [cli, 'check', '--json', ...s.traceEvents.flatMap((f) => ['--trace-events', f]), '--qemu-layout', s.qemuLayout, ...(qemuLog ? ['--qemu-log', qemuLog] : []), file];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const cancel = token.onCancellationRequested(() => child.kill());
    child.on('error', reject);
    child.on('close', (code, signal) => {
      cancel.dispose();
      if (signal) return reject(new Error(`check stopped (${signal})`));
      try {
        resolve(JSON.parse(Buffer.concat(out).toString('utf8')) as CheckJson);
      } catch {
        reject(new Error(`check failed (exit ${code}): ${err.trim().slice(-500) || 'no output'}`));
      }
    });
  });
}

export function toDiagnostics(uri: vscode.Uri, report: CheckJson): vscode.Diagnostic[] {
  return report.diagnostics.map((d) => {
    const line = Math.max(0, d.line - 1);
    const diag = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, (d.column ?? 1) - 1), line, Number.MAX_SAFE_INTEGER), d.message, SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Warning);
    diag.code = d.code;
    diag.source = 'iova-lens check';
    diag.relatedInformation = d.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, new vscode.Position(Math.max(0, r.line - 1), 0)), r.message));
    return diag;
  });
}

export async function checkTrace(context: vscode.ExtensionContext, log: Log, problems: vscode.DiagnosticCollection, arg?: vscode.Uri): Promise<void> {
  let uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri || uri.scheme !== 'file') {
    const picked = await vscode.window.showOpenDialog({ title: 'Check a QEMU trace', canSelectMany: false, filters: { 'QEMU traces': ['log', 'qtrace', 'trace', 'txt', 'out'], 'All files': ['*'] } });
    uri = picked?.[0];
  }
  if (!uri) return;
  const file = uri.fsPath;
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Checking ${vscode.workspace.asRelativePath(uri)}`, cancellable: true },
      (_p, token) => runCheck(cli, file, token),
    );
    problems.set(uri, toDiagnostics(uri, report));
    log.info(`check ${file}: ${report.lines} lines, ${report.events} events, ${report.diagnostics.length} finding(s)`);
    for (const d of report.diagnostics) log.info(`  ${file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`);
    const n = report.diagnostics.length;
    const choice = await vscode.window.showInformationMessage(`IOVA Lens: ${n} finding(s) in ${report.lines} lines.`, ...(n ? ['Show Problems'] : []));
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  } catch (e) {
    log.error(`check ${file}`, e);
    void vscode.window.showErrorMessage(`IOVA Lens: checking ${file} failed: ${messageOf(e)}`);
  }
}
