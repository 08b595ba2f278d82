// The trace's side of the IOVA-tree cross-check (src/model/internalsCrossCheck.ts): each
// vhost-vdpa device's kernel IOTLB maps of every ASID at one line of the replay. Shared by the
// debug adapter (attached trace) and the CLI (`snapshot --qemu-pid --trace FILE`).
import type { TraceVdpaDevice } from '../model/internalsCrossCheck.js';
import type { TableState } from '../trace/replay/engine.js';
import type { MapRecord } from '../trace/replay/mapRecord.js';
import type { TableKind } from '../trace/replay/timeline.js';

/** One table of the replay at a line: what it belongs to, its kind and ASID, its live maps. */
export interface TraceTableAt {
  owner: string;
  kind: TableKind;
  asid?: number | undefined;
  mappings: readonly MapRecord[];
}

export const tablesOfStates = (states: readonly TableState[]): TraceTableAt[] => states.map((s) => ({ owner: s.table.owner, kind: s.table.kind, asid: s.table.asid, mappings: s.mappings }));

export function traceVdpaDevices(tables: readonly TraceTableAt[]): TraceVdpaDevice[] {
  const byOwner = new Map<string, { label: string; maps: TraceVdpaDevice['maps'][number][] }>();
  for (const table of tables) {
    if (table.kind !== 'iotlb') continue;
    let dev = byOwner.get(table.owner);
    if (!dev) byOwner.set(table.owner, (dev = { label: `vdpa ${table.owner}`, maps: [] }));
    for (const m of table.mappings) dev.maps.push({ start: m.start, last: m.last, target: m.target, perm: m.perm, createdLine: m.createdLine, ...(table.asid !== undefined ? { asid: table.asid } : {}) });
  }
  return [...byOwner.values()];
}
