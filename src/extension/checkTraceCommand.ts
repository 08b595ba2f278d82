// "Check Trace": runs the CLI's check over a trace file in a child process (so a 1 GB trace
// never blocks the extension host), with a cancellable progress notification; the findings go
// to the Problems panel and the output channel.
// Each problem appears once: a file open as a trace already has the language server's
// diagnostics (same source, "iova-lens"), so the check adds none for it; a checked file's
// entries go away when it opens as a trace (the server's take over), changes or is deleted.
import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import type { CheckJson } from '../cli/report/checkReport.js';
import { problemMessage } from '../trace/replay/headline.js';
import { TRACE_LANGUAGE } from './traceClient.js';
import { readSettings } from './settings.js';
import { messageOf, type Log } from './log.js';
import { siblingQemuLog } from '../trace/qemuLog.js';
import { dirname, resolve as resolvePath } from 'node:path';



const SEVERITY: Record<string, vscode.DiagnosticSeverity> = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };

/** The CLI refused the input (exit 2): not a trace, truncated, unreadable; `message` is its word. */
class UnreadableTrace extends Error {}

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
      if (code === 2) return reject(new UnreadableTrace(err.trim().split('\n').filter(Boolean).slice(-3).join(' ').replace(/^iova-lens check: /, '') || 'the CLI could not read it'));
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
    const message = problemMessage(d.headline, d.message);
    const diag = new vscode.Diagnostic(new vscode.Range(line, Math.max(0, (d.column ?? 1) - 1), line, Number.MAX_SAFE_INTEGER), message, SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Warning);
    diag.code = d.code;
    diag.source = 'iova-lens';
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
    const key = uri.toString();
    const open = vscode.workspace.textDocuments.some((d) => d.uri.toString() === key && d.languageId === TRACE_LANGUAGE);
    // an open trace's problems come from the language server; the check only counts them
    if (open) problems.delete(uri);
    else {
      problems.set(uri, toDiagnostics(uri, report));
      forgetOnChange(uri, problems);
    }
    log.info(`check ${file}: ${report.lines} lines, ${report.events} events, ${report.diagnostics.length} finding(s)`);
    for (const d of report.diagnostics) log.info(`  ${file}:${d.line}: ${d.severity} ${d.code}: ${d.message}`);
    const n = report.diagnostics.length;
    const choice = await vscode.window.showInformationMessage(`IOVA Lens: ${n} finding(s) in ${report.lines} lines.`, ...(n ? ['Show Problems'] : []));
    if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
  } catch (e) {
    log.error(`check ${file}`, e);
    if (e instanceof UnreadableTrace) {
      // in Problems too, on the file itself: a truncated simpletrace or a file that is no trace
      const diag = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `Not readable as a QEMU trace\n${e.message}`, vscode.DiagnosticSeverity.Error);
      diag.code = 'unreadable-trace';
      diag.source = 'iova-lens';
      problems.set(uri, [diag]);
      forgetOnChange(uri, problems);
    }
    void vscode.window.showErrorMessage(`IOVA Lens: checking ${file} failed: ${messageOf(e)}`);
  }
}

const watched = new Map<string, vscode.Disposable>();

/** Drops the check's entries of `uri` when the file changes or goes away, or opens as a trace. */
function forgetOnChange(uri: vscode.Uri, problems: vscode.DiagnosticCollection): void {
  const key = uri.toString();
  if (watched.has(key)) return;
  const dir = vscode.Uri.joinPath(uri, '..');
  const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(dir, name), true, false, false);
  const forget = (): void => {
    problems.delete(uri);
    for (const d of subs) d.dispose();
    watched.delete(key);
  };
  const subs: vscode.Disposable[] = [
    watcher,
    watcher.onDidChange(forget),
    watcher.onDidDelete(forget),
    vscode.workspace.onDidOpenTextDocument((d) => {
      if (d.uri.toString() === key && d.languageId === TRACE_LANGUAGE) forget();
    }),
  ];
  watched.set(key, { dispose: forget });
}
