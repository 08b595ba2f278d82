// Time limits that make a hang fail, not measurements (the figures live in `npm run bench`).
// A limit is the bound (2 s after a fault, 5 s for big inputs) stretched by how
// oversubscribed the machine is right now: with the 1-minute load average at 3 runnable tasks
// per core, a case gets three times as long. On an idle machine the bound is the issue's own;
// a real hang (a loop, a missing timeout) still fails however loaded the machine is.
import { availableParallelism, loadavg } from 'node:os';

/** How much slower than idle this machine is likely to run a CPU-bound case now (>= 1). */
export function loadFactor(): number {
  return Math.max(1, loadavg()[0] / availableParallelism());
}

/** `ms` stretched by the load factor, and how to say it in a failure message. */
export function hangLimit(ms: number): { ms: number; says: string } {
  const f = loadFactor();
  const scaled = Math.round(ms * f);
  return { ms: scaled, says: f > 1 ? `${ms} ms (× ${f.toFixed(1)} for the machine's load: ${scaled} ms)` : `${ms} ms` };
}
