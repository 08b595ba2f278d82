// `check` on a generated 1,000,000-line trace, against the cheapest field split a user would
// script (awk '{n+=NF}') and wc -l, all timed in this run; peak RSS of the check process;
// p50/p99 of resolve at 1,000 random lines once the trace is indexed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineText, measureCheck } from './timing.js';
import { generateTrace } from './genTrace.js';
import { analyzeTraceFile } from '../src/trace/analyze.js';
import type { Space } from '../src/trace/replay/spaces.js';


const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

export async function runCheckBench(lines = 1_000_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-bench-'));
  try {
    const file = join(dir, 'trace.log');
    const gen = generateTrace(file, lines, 42);
    console.log(`check benchmark: ${gen.lines} lines, ${(gen.bytes / 1e6).toFixed(1)} MB generated trace`);
    const m = measureCheck(file, 3);
    const { check, awk, wc, rssMB } = m;
    console.log(`  check (CLI, whole process): ${check.toFixed(0)} ms`);
    console.log(`  awk '{n+=NF}':              ${awk.toFixed(0)} ms   check/awk = ${(check / awk).toFixed(2)} (goal <= 1.0)`);
    console.log(`  wc -l:                      ${wc.toFixed(0)} ms   check/wc  = ${(check / wc).toFixed(1)}`);
    console.log(`  peak RSS of check:          ${rssMB.toFixed(0)} MB (goal <= 300 MB)`);
    if (m.baseline) console.log(`  baseline:                  ${baselineText(m).slice(3)}`);

    const t0 = performance.now();
    const { engine } = await analyzeTraceFile(file);
    const indexMs = performance.now() - t0;
    // addresses a user would hover: IOVAs and GPAs that the trace maps, at random lines
    const recs = engine.timeline.records;
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const times: number[] = [];
    let answered = 0;
    for (let i = 0; i < 1000; i++) {
      const r = recs[rand(recs.length)];
      const table = engine.timeline.tables[r.table];
      const space: Space = table.keySpace;
      const line = r.createdLine + rand(Math.max(1, (r.removedLine ?? lines) - r.createdLine));
      const q0 = performance.now();
      const res = engine.resolve(space, r.start + (r.last - r.start) / 2n, line, { asid: table.asid, device: table.device });
      times.push(performance.now() - q0);
      if (!res.error) answered++;
    }
    times.sort((a, b) => a - b);
    console.log(`  index (in process):         ${indexMs.toFixed(0)} ms`);
    console.log(`  resolve at 1000 random lines: p50 ${pct(times, 50).toFixed(3)} ms, p99 ${pct(times, 99).toFixed(3)} ms (goal p50 <= 2 ms); ${answered} resolved`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
