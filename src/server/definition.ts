// Go to definition: from a line that removes mappings to the lines that created them (unmap →
// its map, region_del → its region_add); from a fault to the line that removed the faulting
// address; from any address to the line that created the mapping it goes through.
import type { Location, Position } from 'vscode-languageserver';
import type { MapRecord } from '../trace/replay/timeline.js';
import { lineRange } from './diagnostics.js';
import type { FieldSpan, TraceIndex } from './traceIndex.js';

const FAULTS = new Set(['vtd_dmar_fault', 'virtio_iommu_report_fault', 'vhost_iotlb_miss']);

export function definition(index: TraceIndex, pos: Position): Location[] {
  const ev = index.eventAt(pos.line);
  if (!ev) return [];
  const line = pos.line + 1;
  const field = index.fieldAt(pos.line, pos.character);
  const loc = (l: number): Location => ({ uri: index.uri, range: lineRange(index, l) });
  const unique = (lines: number[]) => [...new Set(lines)].sort((a, b) => a - b).map(loc);

  if (FAULTS.has(ev.rec.name)) {
    const f = field?.address ? field : index.fields(pos.line).find((x) => x.address);
    const by = f && lastRemoval(index, f, line);
    if (by) return [loc(by.removedLine!)];
  }

  const removed = (index.removedAt.get(line) ?? []).filter((r) => !field?.address || overlapsField(index, r, field));
  if (removed.length) return unique(removed.map((r) => r.createdLine));

  if (field?.address) {
    const r = index.engine.resolve(field.address.space, field.address.addr, line, index.contextOf(pos.line));
    const created = [r.hops, ...r.alternatives].flat().map((h) => h.createdLine).filter((l): l is number => l !== undefined && l !== line);
    if (created.length) return unique(created);
  }
  // an unmap that removed nothing still has lines that explain it (the engine's related lines)
  const related = index.engine.diagnostics().filter((d) => d.line === line).flatMap((d) => d.related.map((r) => r.line));
  return unique(related);
}

function overlapsField(index: TraceIndex, r: MapRecord, f: FieldSpan): boolean {
  const t = index.engine.timeline.tables[r.table];
  const a = f.address!;
  return t.keySpace === a.space && r.start <= a.last && r.last >= a.start;
}

/** The mapping of the field's address (same device when known) removed last before `line`. */
function lastRemoval(index: TraceIndex, f: FieldSpan, line: number): MapRecord | undefined {
  const a = f.address!;
  const device = index.contextOf(line - 1).device;
  let best: MapRecord | undefined;
  for (const t of index.engine.timeline.tables) {
    if (t.keySpace !== a.space || (device && t.owner !== device && t.device !== device)) continue;
    for (const r of index.engine.timeline.history(t.id, a.addr, a.addr))
      if (r.removedLine !== undefined && r.removedLine <= line && (!best || r.removedLine > best.removedLine!)) best = r;
  }
  return best;
}
