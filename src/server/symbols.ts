// Outline of a trace: device inits and starts, resets, listener batches (begin_batch … commit,
// with the maps and unmaps inside) and guest status changes (only when the status changes).
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { hex } from '../model/u64.js';
import type { FieldValue } from '../trace/types.js';
import { pointerText } from '../trace/replay/fields.js';
import { lineRange } from './diagnostics.js';
import type { TraceIndex } from './traceIndex.js';

const STATUS_BITS: [number, string][] = [
  [1, 'ACKNOWLEDGE'],
  [2, 'DRIVER'],
  [8, 'FEATURES_OK'],
  [4, 'DRIVER_OK'],
  [0x40, 'NEEDS_RESET'],
  [0x80, 'FAILED'],
];

export function statusText(v: number): string {
  if (v === 0) return '0 (reset)';
  const names = STATUS_BITS.filter(([b]) => v & b).map(([, n]) => n);
  return `0x${v.toString(16)} (${names.join('|') || 'unknown bits'})`;
}

const show = (v: FieldValue | undefined): string => (typeof v === 'bigint' ? hex(v) : typeof v === 'number' ? String(v) : String(v ?? '?'));
const ptr = (v: FieldValue | undefined): string => pointerText(v) ?? String(v ?? '?');

/** The events the outline shows (the cases below). */
const OUTLINE_EVENTS = new Set([
  'vhost_vdpa_listener_begin_batch',
  'vhost_vdpa_listener_commit',
  'vhost_vdpa_dma_map',
  'vhost_vdpa_dma_unmap',
  'vhost_vdpa_init',
  'vhost_vdpa_dev_start',
  'vhost_dev_start',
  'vhost_dev_stop',
  'vhost_vdpa_reset_device',
  'vtd_iotlb_reset',
  'vtd_context_cache_reset',
  'virtio_set_status',
  'vhost_vdpa_add_status',
]);

/**
 * Entries (children included) the outline shows at most: a trace of a million maps would make an
 * outline no one reads, a response of hundreds of MB and as many code lenses. Past it one entry
 * says where the outline stops; filter to matches lists the rest.
 */
export const OUTLINE_LIMIT = 5000;

/** Outlines by index: the editor asks again for the outline, the breadcrumbs and the code lenses. */
const outlines = new WeakMap<TraceIndex, DocumentSymbol[]>();

export function documentSymbols(index: TraceIndex, limit = OUTLINE_LIMIT): DocumentSymbol[] {
  const cached = limit === OUTLINE_LIMIT ? outlines.get(index) : undefined;
  if (cached) return cached;
  const out = outline(index, limit);
  if (limit === OUTLINE_LIMIT) outlines.set(index, out);
  return out;
}

function outline(index: TraceIndex, limit: number): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  let entries = 0;
  const status = new Map<string, number>();
  let batch: DocumentSymbol | undefined;
  let batchCounts = { map: 0, unmap: 0 };
  const sym = (line0: number, name: string, kind: SymbolKind, detail?: string): DocumentSymbol => {
    const range = lineRange(index, line0 + 1);
    return { name, kind, range, selectionRange: range, ...(detail ? { detail } : {}) };
  };
  const add = (s: DocumentSymbol) => {
    entries++;
    if (batch) batch.children!.push(s);
    else out.push(s);
  };
  const closeBatch = (endLine0: number) => {
    if (!batch) return;
    batch.range = { start: batch.range.start, end: lineRange(index, endLine0 + 1).end };
    batch.detail = `${batchCounts.map} map${batchCounts.map === 1 ? '' : 's'}, ${batchCounts.unmap} unmap${batchCounts.unmap === 1 ? '' : 's'}`;
    out.push(batch);
    batch = undefined;
  };

  for (let l = 0; l < index.lineCount; l++) {
    // the name first: only the outline's events are parsed
    const name = index.eventNameAt(l);
    if (name === undefined || !OUTLINE_EVENTS.has(name)) continue;
    if (entries >= limit) {
      closeBatch(l - 1);
      out.push(sym(l, `Outline stops here: ${limit} entries`, SymbolKind.Null, `line ${l + 1} of ${index.lineCount}; “Filter Trace to Matches…” lists the lines after it`));
      return out;
    }
    const rec = index.recordAt(l);
    if (rec?.kind !== 'event') continue;
    const f = rec.fields ?? {};
    switch (rec.name) {
      case 'vhost_vdpa_listener_begin_batch':
        closeBatch(l - 1);
        entries++;
        batch = { ...sym(l, 'listener batch', SymbolKind.Namespace), children: [] };
        batchCounts = { map: 0, unmap: 0 };
        break;
      case 'vhost_vdpa_listener_commit':
        closeBatch(l);
        break;
      case 'vhost_vdpa_dma_map':
      case 'vhost_vdpa_dma_unmap': {
        const isMap = rec.name === 'vhost_vdpa_dma_map';
        if (batch) batchCounts[isMap ? 'map' : 'unmap']++;
        const asid = f.asid !== undefined ? ` ASID ${show(f.asid)}` : '';
        add(sym(l, `${isMap ? 'map' : 'unmap'} IOVA ${show(f.iova)} size ${show(f.size)}${asid}`, SymbolKind.Event));
        break;
      }
      case 'vhost_vdpa_init':
        add(sym(l, `vDPA init ${ptr(f.dev)}`, SymbolKind.Module));
        break;
      case 'vhost_vdpa_dev_start':
        add(sym(l, `vDPA ${f.started ? 'start' : 'stop'} ${ptr(f.dev)}`, SymbolKind.Module));
        break;
      case 'vhost_dev_start':
      case 'vhost_dev_stop':
        add(sym(l, `vhost ${rec.name === 'vhost_dev_start' ? 'start' : 'stop'} ${ptr(f.dev)} ${show(f.name)}`, SymbolKind.Module));
        break;
      case 'vhost_vdpa_reset_device':
        add(sym(l, `vDPA reset ${ptr(f.dev)}`, SymbolKind.Event));
        break;
      case 'vtd_iotlb_reset':
        add(sym(l, `VT-d IOTLB reset (${show(f.reason)})`, SymbolKind.Event));
        break;
      case 'vtd_context_cache_reset':
        add(sym(l, 'VT-d context cache reset', SymbolKind.Event));
        break;
      case 'virtio_set_status':
      case 'vhost_vdpa_add_status': {
        const dev = ptr(rec.name === 'virtio_set_status' ? f.vdev : f.dev);
        const v = Number(rec.name === 'virtio_set_status' ? f.val : f.status);
        const key = `${rec.name} ${dev}`;
        if (status.get(key) === v) break;
        status.set(key, v);
        const who = rec.name === 'virtio_set_status' ? `virtio ${dev}` : `vDPA ${dev} add`;
        add(sym(l, `${who} status ${statusText(v)}`, SymbolKind.Enum));
        break;
      }
    }
  }
  closeBatch(index.lineCount - 1);
  return out;
}
