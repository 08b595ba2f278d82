// The custom requests of protocol.ts answered from an index: state as of a line, resolve an
// address, filter the lines that match. Bad parameters throw a RequestError that says which.
import { hex, parseU64 } from '../model/u64.js';
import { isSpace } from '../trace/replay/spaces.js';
import type { ResolveHop } from '../trace/replay/resolveAt.js';
import type { FieldValue } from '../trace/types.js';
import { EVENT_SPACES } from './fieldSpaces.js';
import type { FilterCriteria, FilterResult, ResolveParams, ResolveWireResult, StateAtResult, WireHop } from './protocol.js';
import { linesTouching } from './references.js';
import type { TraceIndex } from './traceIndex.js';

export class RequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestError';
  }
}

function checkLine(index: TraceIndex, line: number): void {
  if (!Number.isInteger(line) || line < 1 || line > index.lineCount) throw new RequestError(`line ${line} is outside ${index.uri} (lines 1..${index.lineCount})`);
}

function address(text: string, what: string): bigint {
  try {
    return parseU64(text);
  } catch (e) {
    throw new RequestError(`${what} "${text}" is not a 64-bit address: ${(e as Error).message}`);
  }
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

const wireHop = (h: ResolveHop): WireHop => ({ ...h, addr: hex(h.addr) });

export function resolveRequest(index: TraceIndex, p: ResolveParams): ResolveWireResult {
  checkLine(index, p.line);
  if (!isSpace(p.space)) throw new RequestError(`unknown address space "${p.space}" (gpa, hva, iova, giova)`);
  const r = index.engine.resolve(p.space, address(p.addr, `${p.space} address`), p.line, { asid: p.asid, device: p.device });
  return { line: r.line, hops: r.hops.map(wireHop), alternatives: r.alternatives.map((a) => a.map(wireHop)), ...(r.error ? { error: r.error } : {}), ...(r.note ? { note: r.note } : {}) };
}

const asText = (v: FieldValue | undefined): string | undefined => (typeof v === 'bigint' || typeof v === 'number' ? '0x' + v.toString(16) : typeof v === 'string' ? v : undefined);

/** Does the line name this device: the device its addresses belong to, or any pointer it prints. */
function mentionsDevice(index: TraceIndex, l: number, device: string): boolean {
  const rec = index.records[l];
  if (rec?.kind !== 'event' || !rec.fields) return false;
  const fields = rec.fields;
  if (EVENT_SPACES[rec.name]?.device?.(fields) === device) return true;
  return (rec.def?.args ?? []).some((a) => a.type.includes('*') && asText(fields[a.name]) === device);
}

export function filterLines(index: TraceIndex, c: FilterCriteria, limit = 100000): FilterResult {
  let candidates: number[];
  if (c.start !== undefined || c.space !== undefined) {
    if (c.space === undefined || !isSpace(c.space)) throw new RequestError(`an address filter needs a space (gpa, hva, iova, giova), got "${c.space ?? ''}"`);
    if (c.start === undefined) throw new RequestError(`an address filter in ${c.space} needs a start address`);
    const start = address(c.start, 'filter start');
    const last = c.last !== undefined ? address(c.last, 'filter last') : start;
    if (last < start) throw new RequestError(`filter range [${c.start}, ${c.last}] ends before it starts`);
    candidates = linesTouching(index, { space: c.space, start, last, asid: c.asid }).map((h) => h.line);
  } else {
    candidates = [];
    for (let l = 0; l < index.lineCount; l++) if (index.records[l]?.kind === 'event') candidates.push(l);
  }
  const out: number[] = [];
  for (const l of candidates) {
    const rec = index.records[l];
    if (rec?.kind !== 'event') continue;
    if (c.family !== undefined && !rec.name.startsWith(c.family)) continue;
    if (c.asid !== undefined && index.contextOf(l).asid !== c.asid) continue;
    if (c.device !== undefined && !mentionsDevice(index, l, c.device)) continue;
    if (out.length === limit) return { lines: out, truncated: true };
    out.push(l + 1);
  }
  return { lines: out, truncated: false };
}
