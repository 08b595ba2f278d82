// Go to definition as 1-based lines, with no LSP runtime so the language server and the
// large-trace worker share it: a fault leads to the line that removed its address, a removing
// line (unmap, region_del) to the lines that created what it removed, an address to the line
// that mapped it, and otherwise to the lines the line's diagnostics relate.
import type { MapRecord } from '../trace/replay/timeline.js';
import type { FieldSpan, TraceIndex } from './traceIndex.js';

const FAULT_EVENTS = new Set(['vtd_dmar_fault', 'virtio_iommu_report_fault', 'vhost_iotlb_miss']);

const sortedUnique = (lines: number[]): number[] => [...new Set(lines)].sort((a, b) => a - b);

function inFieldSpace(index: TraceIndex, r: MapRecord, f: FieldSpan): boolean {
  const a = f.address!;
  return index.engine.timeline.tables[r.table].keySpace === a.space && r.start <= a.last && r.last >= a.start;
}

/** The mapping holding the field's address (of the line's device when known) removed last by `line`. */
function latestRemoval(index: TraceIndex, f: FieldSpan, l0: number): MapRecord | undefined {
  const a = f.address!;
  const line = l0 + 1;
  const device = index.contextOf(l0).device;
  let best: MapRecord | undefined;
  for (const t of index.engine.timeline.tables) {
    if (t.keySpace !== a.space || (device && t.owner !== device && t.device !== device)) continue;
    for (const r of index.engine.timeline.history(t.id, a.addr, a.addr))
      if (r.removedLine !== undefined && r.removedLine <= line && (!best || r.removedLine > best.removedLine!)) best = r;
  }
  return best;
}

/** `l0` is the 0-based line (loaded in the index), `column` 0-based. */
export function definitionLines(index: TraceIndex, l0: number, column: number): number[] {
  const ev = index.eventAt(l0);
  if (!ev) return [];
  const line = l0 + 1;
  const field = index.fieldAt(l0, column);

  if (FAULT_EVENTS.has(ev.rec.name)) {
    const f = field?.address ? field : index.fields(l0).find((x) => x.address);
    const removal = f && latestRemoval(index, f, l0);
    if (removal) return [removal.removedLine!];
  }

  const removed = (index.removedAt.get(line) ?? []).filter((r) => !field?.address || inFieldSpace(index, r, field));
  if (removed.length) return sortedUnique(removed.map((r) => r.createdLine));

  if (field?.address) {
    const r = index.engine.resolve(field.address.space, field.address.addr, line, index.contextOf(l0));
    const created = [r.hops, ...r.alternatives].flat().map((h) => h.createdLine).filter((l): l is number => l !== undefined && l !== line);
    if (created.length) return sortedUnique(created);
  }
  return sortedUnique(index.engine.diagnosticsAt(line).flatMap((d) => d.related.map((r) => r.line)));
}
