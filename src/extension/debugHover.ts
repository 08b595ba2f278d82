// Hovers in C/C++ while a VM is attached: a hex literal, or an expression the C debugger of
// QEMU itself evaluates to an address, is resolved by the IOVA Lens session in every space it
// is valid in. With no IOVA Lens session but QEMU stopped in the user's own C debug session,
// the answer comes from QEMU's memory read through that session (cSessionHover.ts).
import * as vscode from 'vscode';
import { mdText } from '../server/markdownText.js';
import { DEBUG_TYPE } from '../debug/args.js';
import { addressFromDebuggerValue, hexLiteralValue } from '../shared/debuggerValue.js';
import { iovaLensSession } from './debugRegistration.js';
import { CDebugStops } from './cDebugStops.js';
import { cSessionHover, cSessionHoverText, stoppedFrame } from './cSessionHover.js';

const HEX_LITERAL = /0[xX][0-9a-fA-F]+[uUlL]*/;
const C_EXPRESSION = /[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*)*/;

/** The address the hovered text stands for, asking the C debugger for expressions. */
async function hoveredAddress(doc: vscode.TextDocument, pos: vscode.Position, stops: CDebugStops): Promise<{ addr: string; shown: string; range: vscode.Range } | undefined> {
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
  try {
    const frameId = (await stoppedFrame(c, stops))?.id;
    const r = (await c.customRequest('evaluate', { expression, frameId, context: 'hover' })) as { result?: string };
    const addr = r.result !== undefined ? addressFromDebuggerValue(r.result) : undefined;
    return addr ? { addr, shown: `${expression} = ${addr}`, range } : undefined;
  } catch {
    return undefined; // not a value in this frame: no hover from us
  }
}

class LiveAddressHover implements vscode.HoverProvider {
  constructor(private readonly stops: CDebugStops) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const ours = iovaLensSession();
    const c = vscode.debug.activeDebugSession;
    if (!ours) {
      // QEMU stopped in the user's C debug session: read QEMU itself through that session
      if (!c || c.type === DEBUG_TYPE || !this.stops.isStopped(c.id)) return undefined;
      const hit = await hoveredAddress(doc, pos, this.stops);
      if (!hit) return undefined;
      const text = await cSessionHoverText(c, this.stops, BigInt(hit.addr));
      return text === undefined ? undefined : cSessionHover(hit.shown, c, text, hit.range);
    }
    const hit = await hoveredAddress(doc, pos, this.stops);
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
  const stops = new CDebugStops();
  context.subscriptions.push(stops, vscode.languages.registerHoverProvider([{ language: 'c' }, { language: 'cpp' }], new LiveAddressHover(stops)));
}
