// Filter-to-matches criteria, checked once for both places that filter: the language server
// (an open document's index) and the large-trace worker (a streaming scan of the file).
import { parseU64 } from '../model/u64.js';
import { isSpace, type Space } from '../trace/replay/spaces.js';
import type { TraceRecord } from '../trace/types.js';
import { pointerText } from '../trace/replay/fields.js';
import { EVENT_SPACES } from './fieldSpaces.js';
import type { FilterCriteria } from './protocol.js';
import { RequestError } from './requestError.js';

/** Criteria checked and parsed: addresses as bigint. */
export interface ParsedCriteria {
  /** space undefined: an address in any space */
  range?: { space: Space | undefined; start: bigint; last: bigint };
  family?: string;
  device?: string;
  asid?: number;
}

export function criteriaAddress(text: unknown, what: string): bigint {
  if (typeof text !== 'string') throw new RequestError(`${what} must be a string address ("0x…" or decimal), got ${JSON.stringify(text)}`);
  try {
    return parseU64(text);
  } catch (e) {
    throw new RequestError(`${what} "${text}" is not a 64-bit address: ${(e as Error).message}`);
  }
}

/** Check criteria as a user typed them; the error says which one is wrong. */
export function parseCriteria(c: FilterCriteria): ParsedCriteria {
  const out: ParsedCriteria = {};
  if (c.start !== undefined || c.space !== undefined || c.last !== undefined) {
    if (c.space !== undefined && !isSpace(c.space)) throw new RequestError(`an address filter's space must be gpa, hva, iova or giova (or none: any space), got "${c.space}"`);
    if (c.start === undefined) throw new RequestError(`an address filter in ${c.space ?? 'any space'} needs a start address`);
    const start = criteriaAddress(c.start, 'filter start');
    const last = c.last !== undefined ? criteriaAddress(c.last, 'filter last') : start;
    if (last < start) throw new RequestError(`filter range [${c.start}, ${c.last}] ends before it starts`);
    out.range = { space: c.space, start, last };
  }
  if (c.family !== undefined) {
    if (typeof c.family !== 'string' || c.family === '') throw new RequestError(`filter family must be a non-empty event-name prefix, got ${JSON.stringify(c.family)}`);
    out.family = c.family;
  }
  if (c.device !== undefined) {
    if (typeof c.device !== 'string' || c.device === '') throw new RequestError(`filter device must be a BDF ("00:02.0") or a pointer, got ${JSON.stringify(c.device)}`);
    out.device = c.device;
  }
  if (c.asid !== undefined) {
    if (!Number.isInteger(c.asid) || c.asid < 0) throw new RequestError(`filter ASID must be a non-negative integer, got ${JSON.stringify(c.asid)}`);
    out.asid = c.asid;
  }
  return out;
}

const asText = pointerText;

/** Does the event line name this device: the device its addresses belong to, or any pointer it prints. */
export function namesDevice(rec: Extract<TraceRecord, { kind: 'event' }>, device: string): boolean {
  const fields = rec.fields;
  if (!fields) return false;
  if (EVENT_SPACES[rec.name]?.device?.(fields) === device) return true;
  return (rec.def?.args ?? []).some((a) => a.type.includes('*') && asText(fields[a.name]) === device);
}
