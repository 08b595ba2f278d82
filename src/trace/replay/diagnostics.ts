// Diagnostics the replay raises: a code, a severity, the 1-based line, a message that names
// addresses and spaces, and the related lines that explain it.

export type Severity = 'error' | 'warning' | 'info';

export type DiagnosticCode =
  | 'aliased-unmap'
  | 'unmap-unmapped'
  | 'map-overlap'
  | 'map-over-orphan'
  | 'partial-unmap'
  | 'iova-out-of-range'
  | 'iova-divergence'
  | 'map-failed'
  | 'dma-fault'
  | 'reset-lost-maps'
  | 'leak-at-end'
  | 'parse-error'
  | 'qemu-log'
  | 'notifier-range';

export interface RelatedLine {
  line: number;
  message: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  line: number;
  /** 1-based column, when the diagnostic concerns a place inside the line */
  column?: number;
  message: string;
  related: RelatedLine[];
}

export const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  add(d: Omit<Diagnostic, 'related'> & { related?: RelatedLine[] }): void {
    this.list.push({ ...d, related: d.related ?? [] });
  }
  sorted(): Diagnostic[] {
    return [...this.list].sort((a, b) => a.line - b.line || severityRank[a.severity] - severityRank[b.severity]);
  }
}
