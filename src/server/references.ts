// References of an address: every line with an address of the same space whose range on its
// line overlaps the range under the cursor (a dma_map's whole IOVA range, a translated page …).
// In the device IOVA space, lines of another ASID do not count: equal numbers, other memory.
import type { Location, Position } from 'vscode-languageserver';
import type { Space } from '../trace/replay/spaces.js';
import type { TraceIndex } from './traceIndex.js';
import { EVENT_SPACES } from './fieldSpaces.js';

export interface AddressQuery {
  /** undefined: any space (a bare address in the filter) */
  space: Space | undefined;
  start: bigint;
  /** inclusive */
  last: bigint;
  asid?: number;
}

/** 0-based lines (ascending) with an address field overlapping the query, with the field columns. */
export function linesTouching(index: TraceIndex, q: AddressQuery, limit = Infinity): { line: number; start: number; end: number }[] {
  const out: { line: number; start: number; end: number }[] = [];
  for (let l = 0; l < index.lineCount && out.length < limit; l++) {
    // a line whose event has no address field cannot touch the query: not even parsed
    const name = index.eventNameAt(l);
    if (name === undefined || !EVENT_SPACES[name]) continue;
    for (const f of index.fields(l)) {
      const a = f.address;
      if (!a || (q.space !== undefined && a.space !== q.space) || a.start > q.last || a.last < q.start) continue;
      if (q.space === 'iova' && q.asid !== undefined) {
        const asid = index.contextOf(l).asid;
        if (asid !== undefined && asid !== q.asid) continue;
      }
      out.push({ line: l, start: f.start, end: f.end });
      break;
    }
  }
  return out;
}

export function references(index: TraceIndex, pos: Position): Location[] {
  const a = index.fieldAt(pos.line, pos.character)?.address;
  if (!a) return [];
  const q: AddressQuery = { space: a.space, start: a.start, last: a.last, asid: index.contextOf(pos.line).asid };
  return linesTouching(index, q).map((h) => ({ uri: index.uri, range: { start: { line: h.line, character: h.start }, end: { line: h.line, character: h.end } } }));
}
