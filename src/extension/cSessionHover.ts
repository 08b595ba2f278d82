// Hover while QEMU is stopped in the user's own C/C++ debug session and no IOVA Lens session is
// there (QMP cannot answer while QEMU is stopped anyway): QEMU's internals are read through that
// session (evaluate + readMemory in the stopped frame, once per stop) and the hovered address is
// resolved by the one resolver in every space QEMU's state gives it.
import * as vscode from 'vscode';
import { mdText } from '../server/markdownText.js';
import { CSessionError, CSessionMemory, readInternalsThroughSession, type DapRequester } from '../qemu/internals/index.js';
import { isLookAheadFrame, lookAhead } from './frameAhead.js';
import { resolveInternalsEverywhere } from '../model/internalsSource.js';
import { spaceTitle } from '../model/space.js';
import { resolveText } from '../cli/report/resolveReport.js';
import type { CDebugStops } from './cDebugStops.js';

/** CodeLLDB evaluates C expressions only when told so ("/nat "); gdb-based adapters always do. */
const EXPRESSION_PREFIX: Record<string, string> = { lldb: '/nat ' };

function qemuPid(c: vscode.DebugSession): number | undefined {
  const cfg = c.configuration as { processId?: unknown; pid?: unknown };
  const n = Number(cfg.processId ?? cfg.pid);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The frame to evaluate in (the one the user selected in this session, else the stopped thread's top) and its function. */
export async function stoppedFrame(c: vscode.DebugSession, stops: CDebugStops): Promise<{ id: number; name: string | undefined } | undefined> {
  const item = vscode.debug.activeStackItem;
  const selected = item instanceof vscode.DebugStackFrame && item.session.id === c.id ? item : undefined;
  const threadId = selected?.threadId ?? stops.stoppedThread(c.id) ?? (item instanceof vscode.DebugThread && item.session.id === c.id ? item.threadId : undefined);
  if (threadId === undefined) return selected ? { id: selected.frameId, name: undefined } : undefined;
  const st = (await c.customRequest('stackTrace', { threadId, startFrame: 0, levels: selected ? 64 : 1 })) as { stackFrames?: { id: number; name?: string }[] };
  const frame = selected ? st.stackFrames?.find((f) => f.id === selected.frameId) : st.stackFrames?.[0];
  if (selected) return { id: selected.frameId, name: frame?.name };
  return frame ? { id: frame.id, name: frame.name } : undefined;
}

/** The hover's text for `addr`, or undefined when this session is no QEMU to read (no hover from us). */
export async function cSessionHoverText(c: vscode.DebugSession, stops: CDebugStops, addr: bigint): Promise<string | undefined> {
  if (stops.isNotQemu(c.id)) return undefined;
  const frame = await stoppedFrame(c, stops);
  if (frame === undefined) return undefined;
  const pid = qemuPid(c);
  const dap: DapRequester = { request: (command, args) => c.customRequest(command, args) as Promise<unknown> };
  const opts = {
    session: c.name,
    adapter: c.type,
    ...(pid !== undefined ? { pid } : {}),
    supportsReadMemory: stops.supportsReadMemory(c.id),
    ...(EXPRESSION_PREFIX[c.type] !== undefined ? { expressionPrefix: EXPRESSION_PREFIX[c.type] } : {}),
    isStopped: stops.stillAt(c.id),
    layouts: stops.layouts(c.id),
  };
  try {
    // read at the stop's first hover, in the frame it was asked in (QEMU's globals are the same in every frame)
    const internals = await stops.internals(c.id, () => readInternalsThroughSession(dap, { ...opts, frameId: frame.id }));
    const chains = resolveInternalsEverywhere(internals, addr)
      .map((a) => resolveText(a, `as ${spaceTitle[a.hops[0]!.space]}${a.hops[0]!.device !== undefined ? ` of ${a.hops[0]!.device}` : ''}`))
      .join('');
    const ahead = isLookAheadFrame(frame.name) ? await lookAhead(frame.name, await CSessionMemory.open(dap, { ...opts, frameId: frame.id }), internals) : undefined;
    return ahead === undefined ? chains : `${chains}\n${ahead}\n`;
  } catch (e) {
    if (!(e instanceof CSessionError)) return `cannot read QEMU's internals: ${(e as Error).message}`;
    if (e.reason === 'not-qemu') stops.markNotQemu(c.id);
    // running: the hover came late; not QEMU: someone else's program; no symbols in something that is not QEMU
    if (e.reason === 'running' || e.reason === 'not-qemu' || (e.reason === 'no-debug-info' && !/qemu/i.test(String((c.configuration as { program?: unknown }).program ?? '')))) return undefined;
    return e.message;
  }
}

export function cSessionHover(shown: string, session: vscode.DebugSession, text: string, range: vscode.Range): vscode.Hover {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**IOVA Lens** — ${mdText(shown)}, read from QEMU's memory through *${mdText(session.name)}* (QMP not needed)\n`);
  md.appendCodeblock(text, 'text');
  return new vscode.Hover(md, range);
}
