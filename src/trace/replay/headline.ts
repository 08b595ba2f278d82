// The one-line headline of a diagnostic: what went wrong and at which address, short enough for
// a Problems row or a terminal line; the full message is the detail after it. The CLI, the
// language server and the Trace Viewer all take it from here.
import type { DiagnosticCode } from './diagnostics.js';

const TITLE: Record<DiagnosticCode, string> = {
  'aliased-unmap': "Unmap removed another region's mapping",
  'unmap-unmapped': 'Unmap of an address with no mapping',
  'map-overlap': 'Map overlaps a live mapping',
  'partial-unmap': 'Unmap cuts a mapping in part',
  'iova-out-of-range': "Map outside the device's IOVA range",
  'iova-divergence': "IOVA differs from QEMU's allocator",
  'map-failed': 'QEMU reported a failed map',
  'dma-fault': 'DMA fault',
  'reset-lost-maps': 'Device reset dropped mappings used later',
  'leak-at-end': 'Mapping still live at the end of the trace',
  'parse-error': 'Event text does not match its format',
  'notifier-range': 'IOMMU notifier outside its range',
  'map-over-orphan': "Map over an unmapped map's orphaned kernel rest",
  'internal-error': 'IOVA Lens failed on this event (internal error)',
  'qemu-log': "QEMU's own log",
  'impossible-value': 'Impossible value in the trace',
};

/** The first address or range the message names, with its space. */
const SUBJECT = /\b(guest IOVA|GIOVA|IOVA|GPA|HVA)\s+(\[0x[0-9a-f]+, 0x[0-9a-f]+\]|0x[0-9a-f]+)/;

export function diagnosticHeadline(d: { code: string; message: string }): string {
  const title = TITLE[d.code as DiagnosticCode] ?? d.code;
  if (d.code === 'parse-error') {
    const event = /^([a-z][a-z0-9_]*):/.exec(d.message);
    return event ? `${title}: ${event[1]}` : title;
  }
  const m = SUBJECT.exec(d.message);
  return m ? `${title}: ${m[1]} ${m[2]}` : title;
}

/** A diagnostic's text for editors: the headline on the first line, the full message after it. */
export function problemMessage(headline: string | undefined, message: string): string {
  return headline ? `${headline}\n${message}` : message;
}
