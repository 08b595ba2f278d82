// "Which records did line N create / remove", asked the way a Map<line, records> is asked, but
// answered from the timeline's own logs: a per-line map of a long trace would cost more memory
// than the records it points to.
import type { MapRecord } from './mapRecord.js';

export class LineRecords {
  constructor(private readonly lookup: (line: number) => MapRecord[]) {}

  /** The records of `line` in id order, or undefined when it has none (as Map.get). */
  get(line: number): MapRecord[] | undefined {
    const out = this.lookup(line);
    return out.length > 0 ? out : undefined;
  }

  has(line: number): boolean {
    return this.lookup(line).length > 0;
  }
}
