// The filter box's little language, shared by the editor command and the trace viewer:
// "iova 0x1000-0x20fff", "gpa 0xfeda0000", "family vtd_", "device 00:02.0", "asid 1", combined;
// a bare address or range ("0x1000", "0x1000-0x1fff") matches it in any space.
import { isSpace, SPACES } from '../trace/replay/spaces.js';
import type { FilterCriteria } from './protocol/lsp.js';

/** "gpa 0x1000-0x1fff", "iova 0x1000", "family vtd_", "device 00:02.0", "asid 1"; several joined by spaces. */
export function parseFilterQuery(text: string): FilterCriteria {
  const c: FilterCriteria = {};
  const words = text.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!.toLowerCase();
    const next = words[i + 1];
    const bare = /^(0x[0-9a-f]+|\d+)(?:(?:-|\.\.)(0x[0-9a-f]+|\d+))?$/i.exec(w);
    if (bare) {
      Object.assign(c, { start: bare[1], ...(bare[2] !== undefined ? { last: bare[2] } : {}) });
    } else if (isSpace(w)) {
      if (!next) throw new Error(`"${w}" needs an address or a range START-LAST`);
      const [a, b] = next.split(/-|\.\./);
      if (!/^(0x[0-9a-f]+|\d+)$/i.test(a ?? '') || (b !== undefined && !/^(0x[0-9a-f]+|\d+)$/i.test(b))) throw new Error(`"${next}" is not an address or a range START-LAST`);
      Object.assign(c, { space: w, start: a, ...(b !== undefined ? { last: b } : {}) });
      i++;
    } else if (w === 'family' || w === 'event') {
      if (!next) throw new Error('"family" needs an event-name prefix, e.g. vtd_');
      c.family = next;
      i++;
    } else if (w === 'device') {
      if (!next) throw new Error('"device" needs a BDF or a pointer');
      c.device = next;
      i++;
    } else if (w === 'asid') {
      if (!next || !/^\d+$/.test(next)) throw new Error('"asid" needs a number');
      c.asid = Number(next);
      i++;
    } else {
      throw new Error(`unknown criterion "${words[i]}": use ADDR[-LAST] (any space), ${SPACES.join('/')} ADDR[-LAST], family PREFIX, device DEV, asid N`);
    }
  }
  return c;
}
