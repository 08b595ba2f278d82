// Extension entry: creates the shared pieces (log, trace client) and lets each feature
// register itself. Activation is narrow (package.json): a qemu-trace document, an iova-lens
// debug session, or one of our commands/views.
import * as vscode from 'vscode';
import { attachToQemu } from './attachCommand.js';
import { checkTrace } from './checkTraceCommand.js';
import { registerDebug, trackSessions } from './debugRegistration.js';
import { registerDebugHover } from './debugHover.js';
import { Log, messageOf } from './log.js';
import { registerStopProgress } from './stopProgress.js';
import { TraceClient } from './traceClient.js';
import { filterTrace, openAsTrace } from './traceCommands.js';
import { openTree, resolveAddress, stateAt } from './treeCommands.js';
import { TranslationTreePanel } from './treePanel.js';
import { registerTraceViewer } from './largeTrace/traceViewer.js';
import { ViewerSurfaces } from './largeTrace/viewerSurfaces.js';
import { ViewSources } from './viewSources.js';
import { TraceDetection } from './traceDetection.js';
import { MatchesProvider } from './filterView.js';
import { openSample, stepDone, trackWalkthrough, WALKTHROUGH_CONTEXT } from './walkthrough.js';
import { MemoryDocuments } from './memory/memoryDocuments.js';

export const COMMANDS = {
  resolveAddress: 'iovaLens.resolveAddress',
  openTranslationTree: 'iovaLens.openTranslationTree',
  attachToQemu: 'iovaLens.attachToQemu',
  checkTrace: 'iovaLens.checkTrace',
  openAsTrace: 'iovaLens.openAsTrace',
  filterTrace: 'iovaLens.filterTrace',
  stateAt: 'iovaLens.stateAt',
  openSample: 'iovaLens.openSample',
  openInHexEditor: 'iovaLens.openMemoryInHexEditor',
} as const;

let client: TraceClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = Date.now();
  const log = new Log();
  context.subscriptions.push(log);
  const problems = vscode.languages.createDiagnosticCollection('iova-lens-check');
  context.subscriptions.push(problems);

  client = new TraceClient(context, log);
  context.subscriptions.push(client);
  // A check's findings for a file give way to the language server's once it indexes the file.
  context.subscriptions.push(client.onIndexed((p) => problems.delete(vscode.Uri.parse(p.uri))));
  context.subscriptions.push(client.onHovered(() => stepDone(WALKTHROUGH_CONTEXT.hovered)));
  trackWalkthrough(context);

  const viewers = new ViewerSurfaces();
  context.subscriptions.push(viewers, registerTraceViewer(context, viewers));
  registerDebug(context, log);
  trackSessions(context);
  context.subscriptions.push(registerStopProgress());
  registerDebugHover(context);

  const command = (id: string, f: (...args: never[]) => unknown): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          await f(...args);
        } catch (e) {
          log.error(id, e);
          void vscode.window.showErrorMessage(`IOVA Lens: ${messageOf(e)}`);
        }
      }),
    );
  };
  command(COMMANDS.attachToQemu, () => attachToQemu(log));
  command(COMMANDS.checkTrace, (uri?: vscode.Uri) => checkTrace(context, log, problems, uri));
  const detection = new TraceDetection(context, log);
  context.subscriptions.push(detection);
  command(COMMANDS.openAsTrace, () => openAsTrace(detection));
  command(COMMANDS.openSample, (name?: string) => openSample(context, name));
  const c = client;
  const matches = new MatchesProvider();
  context.subscriptions.push(matches);
  command(COMMANDS.filterTrace, () => filterTrace(c, matches));

  const memory = new MemoryDocuments();
  context.subscriptions.push(memory);
  command(COMMANDS.openInHexEditor, (uri?: vscode.Uri) => MemoryDocuments.openInHexEditor(uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor!.document.uri));
  const sources = new ViewSources(client, log, viewers, memory);
  context.subscriptions.push(sources, TranslationTreePanel.registerSerializer(context, sources));
  command(COMMANDS.openTranslationTree, () => openTree(context, sources));
  command(COMMANDS.resolveAddress, (initial?: string) => resolveAddress(context, sources, typeof initial === 'string' ? initial : undefined));
  command(COMMANDS.stateAt, (uri?: string, line?: number) => stateAt(context, sources, uri, line));

  try {
    await client.start();
  } catch (e) {
    log.error('the trace language server did not start', e);
    void vscode.window.showErrorMessage(`IOVA Lens: the trace language server did not start: ${messageOf(e)}`);
  }
  log.info(`activated in ${Date.now() - started} ms`);
}

export async function deactivate(): Promise<void> {
  await client?.dispose();
  client = undefined;
}
