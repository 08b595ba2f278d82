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
  | 'internal-error'
  | 'qemu-log'
  | 'notifier-range'
  | 'impossible-value';

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

/**
 * Diagnostics kept per code. A million damaged lines would otherwise be a million messages
 * (gigabytes); past the limit they are counted, and one diagnostic at the first line left out
 * says how many more there are.
 */
export const MAX_DIAGNOSTICS_PER_CODE = 5000;

export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  private readonly perCode = new Map<DiagnosticCode, number>();
  private readonly dropped = new Map<DiagnosticCode, { first: Diagnostic; count: number }>();
  /** sorted copy and per-line index, built once per batch of additions (hover asks per request) */
  private sortedCache?: Diagnostic[];
  private byLine?: Map<number, Diagnostic[]>;

  add(d: Omit<Diagnostic, 'related'> & { related?: RelatedLine[] }): void {
    const n = (this.perCode.get(d.code) ?? 0) + 1;
    this.perCode.set(d.code, n);
    if (n > MAX_DIAGNOSTICS_PER_CODE) {
      const over = this.dropped.get(d.code);
      if (over) over.count++;
      else this.dropped.set(d.code, { first: { ...d, related: [] }, count: 1 });
      return;
    }
    this.list.push({ ...d, related: d.related ?? [] });
    this.sortedCache = undefined;
    this.byLine = undefined;
  }

  /**
   * Count one more diagnostic of `code` without its text when the code is past its limit and
   * the first one left out is kept already (what add() would do); false: call add().
   */
  countIfFull(code: DiagnosticCode): boolean {
    const over = this.dropped.get(code);
    if (over === undefined) return false;
    this.perCode.set(code, (this.perCode.get(code) ?? 0) + 1);
    over.count++;
    return true;
  }

  /** By line, errors first; a fresh array (callers may keep or change it). */
  sorted(): Diagnostic[] {
    return [...this.ordered()];
  }

  /** The diagnostics of one line in the order of sorted(); looked up, not filtered. */
  at(line: number): readonly Diagnostic[] {
    if (!this.byLine) {
      this.byLine = new Map();
      for (const d of this.ordered()) {
        const l = this.byLine.get(d.line);
        if (l) l.push(d);
        else this.byLine.set(d.line, [d]);
      }
    }
    return this.byLine.get(line) ?? [];
  }

  private ordered(): Diagnostic[] {
    if (this.sortedCache) return this.sortedCache;
    const all = [...this.list];
    for (const [code, { first, count }] of this.dropped) {
      all.push({
        code,
        severity: first.severity,
        line: first.line,
        message: `${count} more ${code} diagnostic(s) from this line on are not listed (at most ${MAX_DIAGNOSTICS_PER_CODE} of one kind); first: ${first.message}`,
        related: [],
      });
    }
    return (this.sortedCache = all.sort((a, b) => a.line - b.line || severityRank[a.severity] - severityRank[b.severity]));
  }
}
