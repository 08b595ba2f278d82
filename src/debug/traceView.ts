// The attached trace's IOTLB / IOVA trees as a view section: device → table (ASID) → mapping,
// each mapping with its range, target, permission, owner and the line that created it. Ids use
// the replay's table and record ids, which do not change: the trace is replayed once.
import { hex } from '../model/u64.js';
import type { ViewNode } from '../shared/translationView.js';
import { mappingValue, type AttachedTrace } from './attachedTrace.js';

/**
 * The trace section is sent again with every view event; a table of a long trace can hold
 * hundreds of thousands of mappings, so the view carries the first ones and says so.
 */
export const MAX_VIEW_MAPPINGS = 2000;

export const traceScopeName = (t: AttachedTrace): string => `IOTLB / IOVA trees (trace line ${t.line})`;

export function traceSection(t: AttachedTrace): ViewNode {
  const devices = t.devices.map(
    (d): ViewNode => ({
      id: `trace/${d.key}`,
      label: d.label,
      detail: `${d.tables.length} tables`,
      children: d.tables.map(
        (table): ViewNode => ({
          id: `trace/${d.key}/${table.id}`,
          label: table.label,
          detail: `${table.keySpace} -> ${table.targetSpace}, ${table.mappings.length} mappings${table.mappings.length > MAX_VIEW_MAPPINGS ? ` (first ${MAX_VIEW_MAPPINGS} shown)` : ''}`,
          children: table.mappings.slice(0, MAX_VIEW_MAPPINGS).map(
            (m): ViewNode => ({
              id: `trace/${d.key}/${table.id}/${m.id}`,
              label: `${hex(m.start)}-${hex(m.last)}`,
              detail: mappingValue(m, table, t.fileName),
              space: table.keySpace,
              start: hex(m.start),
              last: hex(m.last),
              target: { space: table.targetSpace, start: hex(m.target) },
              perm: m.perm,
              ...(m.owner ? { owner: m.owner } : {}),
              createdLine: m.createdLine,
            }),
          ),
        }),
      ),
    }),
  );
  return { id: 'trace', label: traceScopeName(t), detail: `${t.fileName}, state after its last line`, children: devices };
}
