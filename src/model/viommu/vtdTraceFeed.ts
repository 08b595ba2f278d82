// Feeds VT-d trace events into a VtdModel. Uses the typed fields the trace reader attached when
// it knew the event, and otherwise reads the log-backend text itself (formats of
// hw/i386/trace-events), so a log with no event catalog still works.
import type { FieldValue, TraceRecord } from '../../trace/types.js';
import { parseHexU64 } from '../u64.js';
import type { VtdModel } from './vtdModel.js';

type Fields = Record<string, FieldValue>;

const h = '(?:0x)?([0-9a-fA-F]+)';
/** Body patterns (text after the event name) and the field names they fill, in order. */
const BODY: Record<string, { re: RegExp; names: string[] }> = {
  vtd_dmar_translate: { re: new RegExp(`^dev ${h}:${h}\\.${h} iova 0x([0-9a-f]+) -> gpa 0x([0-9a-f]+) mask 0x([0-9a-f]+)$`), names: ['bus', 'slot', 'func', 'iova', 'gpa', 'mask'] },
  vtd_iotlb_page_update: { re: /^IOTLB page update sid 0x([0-9a-f]+) iova 0x([0-9a-f]+) slpte 0x([0-9a-f]+) domain 0x([0-9a-f]+)$/, names: ['sid', 'addr', 'slpte', 'domain'] },
  vtd_iotlb_page_hit: { re: /^IOTLB page hit sid 0x([0-9a-f]+) iova 0x([0-9a-f]+) slpte 0x([0-9a-f]+) domain 0x([0-9a-f]+)$/, names: ['sid', 'addr', 'slpte', 'domain'] },
  vtd_inv_desc_iotlb_pages: { re: /^iotlb invalidate domain 0x([0-9a-f]+) addr 0x([0-9a-f]+) mask 0x([0-9a-f]+)$/, names: ['domain', 'addr', 'mask'] },
  vtd_inv_desc_iotlb_domain: { re: /^iotlb invalidate whole domain 0x([0-9a-f]+)$/, names: ['domain'] },
  vtd_inv_desc_iotlb_global: { re: /^iotlb invalidate global$/, names: [] },
  vtd_switch_address_space: { re: /^Device ([0-9a-f]+):([0-9a-f]+)\.([0-9a-f]+) switching address space \(iommu enabled=([01])\)$/, names: ['bus', 'slot', 'fn', 'on'] },
  vtd_dmar_fault: { re: /^sid 0x([0-9a-f]+) fault ([0-9]+) addr 0x([0-9a-f]+) write ([01])$/, names: ['sid', 'fault', 'addr', 'is_write'] },
  vtd_iotlb_cc_hit: { re: /^IOTLB context hit bus 0x([0-9a-f]+) devfn 0x([0-9a-f]+) high 0x([0-9a-f]+) low 0x([0-9a-f]+) gen/, names: ['bus', 'devfn', 'high', 'low'] },
  vtd_iotlb_cc_update: { re: /^IOTLB context update bus 0x([0-9a-f]+) devfn 0x([0-9a-f]+) high 0x([0-9a-f]+) low 0x([0-9a-f]+) gen/, names: ['bus', 'devfn', 'high', 'low'] },
};

// Decimal fields of those formats (all others are printed in hex).
const DECIMAL = new Set(['vtd_dmar_fault.fault', 'vtd_switch_address_space.on', 'vtd_dmar_fault.is_write']);

export const VTD_FED_EVENTS: readonly string[] = Object.keys(BODY);

export class VtdFeedError extends Error {
  constructor(readonly line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'VtdFeedError';
  }
}

function fieldsFromBody(name: string, body: string, line: number): Fields {
  const pat = BODY[name]!;
  const m = pat.re.exec(body.trim());
  if (!m) throw new VtdFeedError(line, `${name}: cannot read "${body.trim()}"`);
  const out: Fields = {};
  pat.names.forEach((n, i) => {
    const text = m[i + 1]!;
    out[n] = DECIMAL.has(`${name}.${n}`) ? BigInt(text) : parseHexU64(text);
  });
  return out;
}

function big(f: Fields, name: string, event: string, line: number): bigint {
  const v = f[name];
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  throw new VtdFeedError(line, `${event}: field ${name} missing or not a number (${JSON.stringify(String(v))})`);
}

const small = (f: Fields, name: string, event: string, line: number): number => Number(big(f, name, event, line));
const bdf = (bus: number, slot: number, fn: number): string => `${bus.toString(16)}:${slot.toString(16)}.${fn.toString(16)}`;

/**
 * Apply one VT-d event. Returns false for events this model does not use; throws VtdFeedError
 * (naming the line) when a known event cannot be read.
 */
export function feedVtdEvent(model: VtdModel, name: string, line: number, body: string, typed?: Fields): boolean {
  if (!(name in BODY)) return false;
  const f = typed && BODY[name]!.names.every((n) => n in typed) ? typed : fieldsFromBody(name, body, line);
  const b = (n: string): bigint => big(f, n, name, line);
  const s = (n: string): number => small(f, n, name, line);
  switch (name) {
    case 'vtd_dmar_translate':
      model.noteDmarTranslate(bdf(s('bus'), s('slot'), s('func')), b('iova'), b('gpa'), b('mask'), line);
      break;
    case 'vtd_iotlb_page_update':
    case 'vtd_iotlb_page_hit':
      model.noteIotlbEntry(s('sid'), b('addr'), b('slpte'), s('domain'), line);
      break;
    case 'vtd_inv_desc_iotlb_pages':
      model.invalidatePages(s('domain'), b('addr'), s('mask'), line);
      break;
    case 'vtd_inv_desc_iotlb_domain':
      model.invalidateDomain(s('domain'), line);
      break;
    case 'vtd_inv_desc_iotlb_global':
      model.invalidateGlobal(line);
      break;
    case 'vtd_switch_address_space':
      model.noteSwitch(bdf(s('bus'), s('slot'), s('fn')), s('on') !== 0, line);
      break;
    case 'vtd_dmar_fault':
      model.noteFault(s('sid'), s('fault'), b('addr'), s('is_write') !== 0, line);
      break;
    case 'vtd_iotlb_cc_hit':
    case 'vtd_iotlb_cc_update': {
      const devfn = s('devfn');
      model.noteContext(bdf(s('bus'), devfn >> 3, devfn & 7), b('high'), b('low'), line);
      break;
    }
  }
  return true;
}

/** Convenience for the replay engine: feed a TraceRecord (non-event records are ignored). */
export function feedVtdRecord(model: VtdModel, rec: TraceRecord): boolean {
  if (rec.kind !== 'event') return false;
  return feedVtdEvent(model, rec.name, rec.line, rec.body, rec.fields);
}
