// Reader throughput: our reader vs `awk '{n+=NF} END{print n}'` on the same ~1M-line trace.
// The replay benchmark wants parse + replay no slower than awk, so the reader alone must be well
// under it. Usage: runTraceReadBench() generates a trace; runTraceReadBench(file) uses yours.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrace } from '../src/trace/read/traceReader.js';
import { generateTrace } from './genTrace.js';

export interface TraceReadBenchResult {
  file: string;
  bytes: number;
  records: number;
  /** best wall time, fields parsed for every line */
  readerMs: number;
  /** best wall time with lazyFields (same validation, values built on access) */
  lazyMs: number;
  awkMs: number;
  /** reader time / awk time: below 1 means the reader is faster */
  ratio: number;
}

function awkMs(file: string): number {
  const t0 = performance.now();
  const r = spawnSync('awk', ['{n+=NF} END{print n}', file], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`awk failed on ${file}: ${r.stderr || r.error?.message}`);
  return ms;
}

export async function runTraceReadBench(file?: string): Promise<TraceReadBenchResult> {
  let dir: string | undefined;
  if (!file) {
    dir = mkdtempSync(join(tmpdir(), 'iova-lens-bench-'));
    file = join(dir, 'trace.log');
    const g = generateTrace(file, 1_000_000, 42);
    console.log(`generated ${g.lines} lines, ${(g.bytes / 1e6).toFixed(1)} MB in ${file}`);
  }
  try {
    const bytes = statSync(file).size;
    // warm-up pass (JIT, page cache), then the best of three
    let records = 0;
    const best = async (lazyFields: boolean): Promise<number> => {
      let min = Infinity;
      for (let i = 0; i < 4; i++) {
        let n = 0;
        let malformed = 0;
        const t0 = performance.now();
        await readTrace(file, (r) => {
          n++;
          if (r.kind === 'malformed') malformed++;
        }, { lazyFields });
        const ms = performance.now() - t0;
        if (malformed && i === 0) console.log(`warning: ${malformed} malformed records`);
        records = n;
        if (i > 0) min = Math.min(min, ms);
      }
      return min;
    };
    const readerMs = await best(false);
    const lazyMs = await best(true);
    let awk = Infinity;
    for (let i = 0; i < 3; i++) awk = Math.min(awk, awkMs(file));
    const ratio = readerMs / awk;
    console.log(`trace reader: ${records} records, ${(bytes / 1e6).toFixed(1)} MB in ${readerMs.toFixed(0)} ms ` +
      `(${((records / readerMs) * 1000 / 1e6).toFixed(2)} M records/s, ${(bytes / 1e3 / readerMs).toFixed(0)} MB/s)`);
    console.log(`lazy fields: ${lazyMs.toFixed(0)} ms (${((records / lazyMs) * 1000 / 1e6).toFixed(2)} M records/s)`);
    console.log(`awk '{n+=NF}': ${awk.toFixed(0)} ms; reader/awk = ${ratio.toFixed(2)} (lazy ${(lazyMs / awk).toFixed(2)})`);
    return { file, bytes, records, readerMs, lazyMs, awkMs: awk, ratio };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
