// What a large trace's answers say while its replay is still running: a hover on a line the
// replay has not reached yet, and the note under a hover on a line it has passed (the state is
// final there, but the findings of the end of the trace are not in yet).
import type { ReplayProgress } from './backgroundReplay.js';

export function percentOf(p: ReplayProgress): number {
  if (p.done) return 100;
  return p.total > 0 ? Math.min(99, Math.floor((p.bytes / p.total) * 100)) : 0;
}

/** The hover text for `line` while the replay has not passed it. */
export function stillReplaying(p: ReplayProgress, line: number, lineCount: number): string {
  return (
    `**Still indexing**: the replay has reached line ${p.line.toLocaleString('en')} of ${lineCount.toLocaleString('en')} (${percentOf(p)}%). ` +
    `The state at line ${line.toLocaleString('en')} is known once the replay passes it; hover again then.`
  );
}

/** Added under a hover answered before the replay finished. */
export function partialNote(p: ReplayProgress): string {
  return `_Replay at ${percentOf(p)}%: diagnostics found at the end of the trace (mappings never unmapped) are not shown yet._`;
}
