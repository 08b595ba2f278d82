// Inlay hints (off unless the setting turns them on): after each raw address, where it goes as
// of its line. On a line that removed the mapping, where it went just before (marked "was").
// No hint repeats what QEMU printed: when the next hop's address is on the line already (a
// dma_map's uaddr, a vtd_dmar_translate's gpa), the hint is left out.
import { InlayHintKind, type InlayHint, type Range } from 'vscode-languageserver';
import { hex } from '../model/u64.js';
import { spaceTitle } from '../trace/replay/spaces.js';
import { nextHop } from './chainText.js';
import type { TraceIndex } from './traceIndex.js';

export interface InlayHintOptions {
  enabled: boolean;
  /** hints per request at most (a huge visible range must not stall the server) */
  max?: number;
}

export function inlayHints(index: TraceIndex, range: Range, opts: InlayHintOptions): InlayHint[] {
  if (!opts.enabled) return [];
  const max = opts.max ?? 2000;
  const out: InlayHint[] = [];
  const last = Math.min(range.end.line, index.lineCount - 1);
  for (let l = Math.max(0, range.start.line); l <= last && out.length < max; l++) {
    const all = index.fields(l).filter((f) => f.address);
    const fields = all.filter((f) => !f.address!.spec.isEnd);
    if (!fields.length) continue;
    const printed = (space: string, addr: bigint): boolean => all.some((f) => f.address!.space === space && f.address!.addr === addr);
    const ctx = index.contextOf(l);
    for (const f of fields) {
      if (out.length === max) break;
      const a = f.address!;
      let was = false;
      let hop = nextHop(index.engine.resolve(a.space, a.addr, l + 1, ctx));
      if (!hop && index.removedAt.has(l + 1)) {
        hop = nextHop(index.engine.resolve(a.space, a.addr, l, ctx));
        was = hop !== undefined;
      }
      if (!hop || printed(hop.space, hop.addr)) continue;
      out.push({
        position: { line: l, character: f.end },
        label: `${was ? 'was ' : ''}→ ${spaceTitle[hop.space]} ${hex(hop.addr)}`,
        kind: InlayHintKind.Type,
        paddingLeft: true,
        ...(hop.createdLine !== undefined ? { tooltip: `mapped at line ${hop.createdLine}${hop.owner ? ` (${hop.owner})` : ''}` } : {}),
      });
    }
  }
  return out;
}
