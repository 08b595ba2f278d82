// The trace attached to a debug session ("trace" in the configuration): replayed once at attach,
// its IOTLB / IOVA-tree state at the last line grouped per device, then per ASID. The live VM
// and the trace are separate sources; the trace is shown as it ended, next to the live view.
import { basename } from 'node:path';
import { permName } from '../model/access.js';
import { hex } from '../model/u64.js';
import type { QemuLayout } from '../model/qemuLayout.js';
import { analyzeTraceFile } from '../trace/analyze.js';
import type { TableState } from '../trace/replay/engine.js';
import { TraceResolver } from '../trace/replay/resolveAt.js';
import type { ResolveSource } from '../model/resolve.js';
import type { Space } from '../trace/replay/spaces.js';
import type { MapRecord, TableKind } from '../trace/replay/timeline.js';

export interface TraceTable {
  id: number;
  /** "ASID 0", "listener sections", … (the device is the group's) */
  label: string;
  kind: TableKind;
  keySpace: Space;
  targetSpace: Space;
  asid?: number;
  mappings: MapRecord[];
}

export interface TraceDevice {
  /** "vdpa 0x55d2c1a4e2b0", "vIOMMU 00:02.0", … */
  label: string;
  key: string;
  tables: TraceTable[];
}

export interface AttachedTrace {
  path: string;
  /** what mappings cite as their creating line: "trace.log:123" */
  fileName: string;
  /** the state shown is the one after this (last) line */
  line: number;
  devices: TraceDevice[];
  /** the trace's tables after that line as a source of the model's resolver (resolved with the live VM) */
  resolveSource?: ResolveSource;
}

export interface TraceLoad {
  trace?: AttachedTrace;
  /** what to tell the user, each naming file:line where there is one */
  messages: string[];
}

/** Findings shown at attach; the rest are one `iova-lens check` away. */
const MAX_FINDINGS = 5;

const KIND_NAMES: Record<TableKind, string> = {
  iotlb: 'IOTLB',
  'iotlb-orphan': 'orphaned IOTLB rests',
  section: 'listener sections',
  viommu: 'vIOMMU translations',
  'device-iotlb': 'device IOTLB',
  'mem-table': 'memory table',
  'virtio-iommu': 'virtio-iommu mappings',
};

/** Replay the trace; never throws: a trace that cannot be read is a message, not a dead session. */
export async function loadAttachedTrace(path: string, traceEvents: string[] | undefined, layout: QemuLayout = 'auto'): Promise<TraceLoad> {
  const fileName = basename(path);
  let analysis;
  try {
    analysis = await analyzeTraceFile(path, { layout, ...(traceEvents?.length ? { traceEvents } : {}) });
  } catch (e) {
    return { messages: [`${path}: cannot analyze the trace: ${(e as Error).message}`] };
  }
  const { engine } = analysis;
  const messages = [...analysis.definitionProblems];
  if (analysis.readError) messages.push(`${path}: ${analysis.readError}; the state shown is up to that point`);
  const findings = engine.diagnostics().filter((d) => d.severity !== 'info');
  for (const d of findings.slice(0, MAX_FINDINGS)) messages.push(`${path}:${d.line}: ${d.severity}: ${d.message}`);
  if (findings.length > MAX_FINDINGS) messages.push(`${path}: ${findings.length - MAX_FINDINGS} more findings (iova-lens check ${fileName} lists them all)`);
  const line = engine.summary().lines;
  return { trace: { path, fileName, line, devices: groupTables(engine.stateAt(line)), resolveSource: new TraceResolver(engine.timeline).at(line) }, messages };
}

/**
 * Group tables by the device they belong to (a BDF or a device pointer), ASID tables first in
 * ASID order. The device part is cut from the table's own label so the names match the CLI's.
 */
export function groupTables(states: TableState[]): TraceDevice[] {
  const byKey = new Map<string, TraceDevice>();
  for (const { table, mappings } of states) {
    const key = table.device ?? table.owner;
    const at = table.label.lastIndexOf(key);
    const deviceLabel = at >= 0 ? table.label.slice(0, at + key.length) : key;
    const rest = at >= 0 ? table.label.slice(at + key.length).trim() : '';
    let dev = byKey.get(key);
    if (!dev) byKey.set(key, (dev = { label: deviceLabel, key, tables: [] }));
    dev.tables.push({
      id: table.id,
      label: table.asid !== undefined ? `ASID ${table.asid}` : rest || KIND_NAMES[table.kind],
      kind: table.kind,
      keySpace: table.keySpace,
      targetSpace: table.targetSpace,
      ...(table.asid !== undefined ? { asid: table.asid } : {}),
      mappings,
    });
  }
  const asidOrder = (t: TraceTable): number => t.asid ?? Number.MAX_SAFE_INTEGER;
  for (const d of byKey.values()) d.tables.sort((a, b) => asidOrder(a) - asidOrder(b) || a.id - b.id);
  return [...byKey.values()];
}

/** One mapping as the variables view shows it: target, permission, owner, creating line. */
export function mappingValue(m: MapRecord, table: TraceTable, fileName: string): string {
  const owner = m.owner ? ` ${m.owner}` : '';
  return `-> ${table.targetSpace} ${hex(m.target)} ${permName(m.perm)}${owner} (${fileName}:${m.createdLine})`;
}

export const mappingName = (m: MapRecord, table: TraceTable): string => `${table.keySpace} ${hex(m.start)}-${hex(m.last)}`;
