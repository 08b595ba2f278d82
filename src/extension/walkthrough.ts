// The walkthrough's steps complete on what the user really did, not on a click of their link:
// a trace open as a QEMU trace, a hover the server answered, Problems shown (package.json's
// onView event), the cursor moved in a trace while the Translation Tree is open, an IOVA Lens
// debug session started. Each sets a context key the step's completionEvents name.
// The samples ship in the .vsix (samples/): "Open a Sample Trace" opens one.
import * as vscode from 'vscode';
import { TRACE_LANGUAGE } from './traceClient.js';
import { TranslationTreePanel } from './treePanel.js';

export const WALKTHROUGH_CONTEXT = {
  traceOpened: 'iovaLens.walkthrough.traceOpened',
  hovered: 'iovaLens.walkthrough.hovered',
  timeTravelled: 'iovaLens.walkthrough.timeTravelled',
  attached: 'iovaLens.walkthrough.attached',
} as const;

const done = new Set<string>();

/** Sets a walkthrough context key once. */
export function stepDone(key: string): void {
  if (done.has(key)) return;
  done.add(key);
  void vscode.commands.executeCommand('setContext', key, true);
}

export function trackWalkthrough(context: vscode.ExtensionContext): void {
  const opened = (d: vscode.TextDocument): void => {
    if (d.languageId === TRACE_LANGUAGE) stepDone(WALKTHROUGH_CONTEXT.traceOpened);
  };
  vscode.workspace.textDocuments.forEach(opened);
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(opened),
    vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor.document.languageId === TRACE_LANGUAGE && TranslationTreePanel.isOpen()) stepDone(WALKTHROUGH_CONTEXT.timeTravelled);
    }),
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === 'iova-lens') stepDone(WALKTHROUGH_CONTEXT.attached);
    }),
  );
}

/** The samples bundled in the extension: label → path under samples/. */
export const SAMPLES = [
  { label: 'aliased-unmap-svq-legacy.log', detail: 'vhost-vdpa with shadow virtqueues on QEMU before 10.0: the aliased-unmap bug at line 17', path: 'aliased-unmap-svq-legacy.log' },
  { label: 'aliased-unmap-svq-fixed.log', detail: 'the same run on a fixed QEMU: no error', path: 'aliased-unmap-svq-fixed.log' },
  { label: 'qemu-7.2-vtd-net/trace.log', detail: 'a real QEMU 7.2 capture: virtio-net behind the Intel vIOMMU, with DMA faults', path: 'qemu-7.2-vtd-net/trace.log' },
] as const;

export async function openSample(context: vscode.ExtensionContext, name?: string): Promise<void> {
  const pick = typeof name === 'string' ? SAMPLES.find((s) => s.path === name) : await vscode.window.showQuickPick(SAMPLES.map((s) => ({ ...s })), { title: 'Open a sample QEMU trace' });
  if (!pick) return;
  const uri = vscode.Uri.joinPath(context.extensionUri, 'samples', pick.path);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
  if (doc.languageId !== TRACE_LANGUAGE) await vscode.languages.setTextDocumentLanguage(doc, TRACE_LANGUAGE);
}
