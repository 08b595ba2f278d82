// The custom requests of protocol.ts answered from an index: state as of a line, resolve an
// address, filter the lines that match. Bad parameters throw a RequestError that says which.
import { hex } from '../model/u64.js';
import { isSpace } from '../trace/replay/spaces.js';
import { encodeResolveAnswer, type WireResolveAnswer } from '../shared/protocol/resolveWire.js';
import { criteriaAddress, namesDevice, parseCriteria } from './filterCriteria.js';
import type { FilterCriteria, FilterResult, ResolveParams, StateAtResult } from './protocol.js';
import { linesTouching } from './references.js';
import type { TraceIndex } from './traceIndex.js';
import { RequestError } from './requestError.js';

export { RequestError };

function checkLine(index: TraceIndex, line: number): void {
  if (!Number.isInteger(line) || line < 1 || line > index.lineCount) throw new RequestError(`line ${line} is outside ${index.uri} (lines 1..${index.lineCount})`);
}


export function stateAt(index: TraceIndex, line: number): StateAtResult {
  checkLine(index, line);
  return {
    line,
    tables: index.engine.stateAt(line).map(({ table, mappings }) => ({
      label: table.label,
      kind: table.kind,
      keySpace: table.keySpace,
      targetSpace: table.targetSpace,
      owner: table.owner,
      ...(table.asid !== undefined ? { asid: table.asid } : {}),
      ...(table.device !== undefined ? { device: table.device } : {}),
      mappings: mappings.map((m) => ({ start: hex(m.start), last: hex(m.last), target: hex(m.target), perm: m.perm, createdLine: m.createdLine, ...(m.owner ? { owner: m.owner } : {}) })),
    })),
  };
}

export function resolveRequest(index: TraceIndex, p: ResolveParams): WireResolveAnswer {
  checkLine(index, p.line);
  if (!isSpace(p.space)) throw new RequestError(`unknown address space "${p.space}" (gpa, hva, iova, giova)`);
  const r = index.engine.resolve(p.space, criteriaAddress(p.addr, `${p.space} address`), p.line, { asid: p.asid, device: p.device });
  return encodeResolveAnswer(r);
}

export function filterLines(index: TraceIndex, c: FilterCriteria, limit = 100000): FilterResult {
  const q = parseCriteria(c);
  let candidates: number[];
  if (q.range) {
    candidates = linesTouching(index, { ...q.range, asid: q.asid }).map((h) => h.line);
  } else {
    candidates = [];
    for (let l = 0; l < index.lineCount; l++) if (index.kindAt(l) === 'event') candidates.push(l);
  }
  const out: number[] = [];
  for (const l of candidates) {
    // the name first: most lines are ruled out without parsing them
    const name = index.eventNameAt(l);
    if (name === undefined) continue;
    if (q.family !== undefined && !name.startsWith(q.family)) continue;
    if (q.asid !== undefined && index.contextOf(l).asid !== q.asid) continue;
    if (q.device !== undefined) {
      const rec = index.recordAt(l);
      if (rec?.kind !== 'event' || !namesDevice(rec, q.device)) continue;
    }
    if (out.length === limit) return { lines: out, truncated: true };
    out.push(l + 1);
  }
  return { lines: out, truncated: false };
}
