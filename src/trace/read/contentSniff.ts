// Does a text look like a QEMU trace? Used to open `.log`, `.txt` and extension-less files as
// traces by their content: the first non-blank lines must be trace records (with or without the
// TID@SEC.USEC: or ISO-8601 prefix, or ftrace's trace_marker lines), and at least one of them an
// event the built-in catalog knows, so that a build log or a kernel log stays what it is.
import { EventCatalog } from '../catalog/eventCatalog.js';
import { createLineClassifier } from './logLine.js';

/** How many non-blank lines at the head are looked at. */
export const SNIFF_LINES = 12;

export interface SniffResult {
  trace: boolean;
  /** non-blank lines looked at, of them event records, of them events the catalog knows */
  lines: number;
  events: number;
  known: number;
}

/** Classifies the first SNIFF_LINES non-blank lines of `head` (the start of a file). */
export function sniffTrace(head: string, catalog: EventCatalog = EventCatalog.builtin()): SniffResult {
  const classify = createLineClassifier(catalog);
  let lines = 0;
  let events = 0;
  let known = 0;
  let lineNo = 0;
  for (const raw of head.split('\n')) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (++lines > SNIFF_LINES) {
      lines--;
      break;
    }
    const r = classify(line, lineNo, 0);
    if (r.kind === 'event') {
      events++;
      if (r.def) known++;
    } else if (r.kind === 'malformed') {
      // a known event whose text differs from this QEMU's format is still a trace line
      events++;
      known++;
    }
  }
  // most lines are events, and the catalog knows at least one of them
  const trace = lines > 0 && known > 0 && events * 2 > lines;
  return { trace, lines, events, known };
}
