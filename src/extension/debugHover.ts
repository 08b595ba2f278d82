// Hovers in C/C++ while a VM is attached: a hex literal, or an expression the C debugger of
// QEMU itself evaluates to an address, is resolved by the IOVA Lens session in every space it
// is valid in.
import * as vscode from 'vscode';
import { mdText } from '../server/markdownText.js';
import { DEBUG_TYPE } from '../debug/args.js';
import { addressFromDebuggerValue, hexLiteralValue } from '../shared/debuggerValue.js';
import { iovaLensSession } from './debugRegistration.js';

const HEX_LITERAL = /0[xX][0-9a-fA-F]+[uUlL]*/;
const C_EXPRESSION = /[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*/;

/** The address the hovered text stands for, asking the C debugger for expressions. */
async function hoveredAddress(doc: vscode.TextDocument, pos: vscode.Position): Promise<{ addr: string; shown: string; range: vscode.Range } | undefined> {
  const lit = doc.getWordRangeAtPosition(pos, HEX_LITERAL);
  if (lit) {
    const addr = hexLiteralValue(doc.getText(lit));
    return addr ? { addr, shown: doc.getText(lit), range: lit } : undefined;
  }
  const c = vscode.debug.activeDebugSession;
  if (!c || c.type === DEBUG_TYPE) return undefined;
  const range = doc.getWordRangeAtPosition(pos, C_EXPRESSION);
  if (!range) return undefined;
  const expression = doc.getText(range);
  const item = vscode.debug.activeStackItem;
  const frameId = item instanceof vscode.DebugStackFrame && item.session.id === c.id ? item.frameId : undefined;
  try {
    const r = (await c.customRequest('evaluate', { expression, frameId, context: 'hover' })) as { result?: string };
    const addr = r.result !== undefined ? addressFromDebuggerValue(r.result) : undefined;
    return addr ? { addr, shown: `${expression} = ${addr}`, range } : undefined;
  } catch {
    return undefined; // not a value in this frame: no hover from us
  }
}

class LiveAddressHover implements vscode.HoverProvider {
  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const ours = iovaLensSession();
    if (!ours) return undefined;
    const hit = await hoveredAddress(doc, pos);
    if (!hit) return undefined;
    let text: string;
    try {
      const r = (await ours.customRequest('evaluate', { expression: `resolve ${hit.addr}`, context: 'hover' })) as { result: string };
      text = r.result;
    } catch (e) {
      text = `cannot resolve: ${(e as Error).message}`;
    }
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**IOVA Lens** — ${mdText(hit.shown)} in *${mdText(ours.name)}*\n`);
    md.appendCodeblock(text, 'text');
    return new vscode.Hover(md, hit.range);
  }
}

export function registerDebugHover(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.languages.registerHoverProvider([{ language: 'c' }, { language: 'cpp' }], new LiveAddressHover()));
}
