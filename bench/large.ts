// Large traces (past VS Code's 20 MB / 50 MB limits) through the trace viewer's worker: a 200 MB
// and a 1 GB generated trace in os.tmpdir() (kept and reused when the size matches). Each is
// measured in a fresh process: "index ready" (the newline scan: the viewer scrolls, filters and
// hovers from then on), "replay done" (the engine's background pass: every hover final, the
// diagnostics), peak RSS; on 200 MB also hovers during and after the replay, line blocks and
// filter scans. Baselines on the same files in the same run: `wc -l` and a plain chunked line
// count in node, printed as ratios. Goals (issue #14): index ready ≤ 10× wc -l on 1 GB, every
// filter ≤ 5× wc -l, hover p99 ≤ 50 ms on 200 MB, bounded memory on 1 GB.
import { spawnSync } from 'node:child_process';
import { openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largeTraceAt } from './largeTraceGen.js';
import type { LargeChildResult } from './largeChild.js';

const MB = 1_000_000;

function wcOnceMs(file: string): number {
  const t0 = performance.now();
  const r = spawnSync('wc', ['-l', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wc -l failed on ${file}: ${r.stderr || r.error?.message}`);
  return performance.now() - t0;
}

/** The median of three runs (the first also brings the file into the page cache, as the index's read does). */
function wcMs(file: string): number {
  const runs = [wcOnceMs(file), wcOnceMs(file), wcOnceMs(file)].sort((a, b) => a - b);
  return runs[1];
}

/** The cheapest pass node can make over the file: read chunks, count newlines. */
function plainReadMs(file: string): { ms: number; lines: number } {
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      for (let p = buf.indexOf(10); p >= 0 && p < n; p = buf.indexOf(10, p + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return { ms: performance.now() - t0, lines };
}

function measure(file: string, what: '--queries' | '--filters' | '--index'): LargeChildResult {
  const args = ['--import', 'tsx', join('bench', 'largeChild.ts'), file, what];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`large-trace measurement of ${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as LargeChildResult;
}

const f1 = (n: number) => n.toFixed(1);

export async function runLargeBench(): Promise<{ small: LargeChildResult; big: LargeChildResult; idle: LargeChildResult }> {
  const dir = tmpdir();
  const files = [
    { label: '200 MB', ...largeTraceAt(join(dir, 'iova-lens-large-200MB.log'), 200 * MB, 7) },
    { label: '1 GB', ...largeTraceAt(join(dir, 'iova-lens-large-1GB.log'), 1000 * MB, 8) },
  ];
  for (const f of files) console.log(`${f.label}: ${f.path} (${(f.bytes / MB).toFixed(0)} MB${f.reused ? ', reused' : ', generated'})`);

  // the fixed cost: node + tsx + the worker on an 18-line file
  const idle = measure(join(process.cwd(), 'samples', 'aliased-unmap-svq-legacy.log'), '--index');
  console.log(`fixed cost (process + worker, 18-line trace): peak RSS ${f1(idle.maxRssKiB / 1024)} MiB`);

  const results: LargeChildResult[] = [];
  for (const [i, f] of files.entries()) {
    const wcBefore = wcMs(f.path);
    const plain = plainReadMs(f.path);
    const r = measure(f.path, i === 0 ? '--queries' : '--filters');
    // the machine may be shared: the baseline is measured before and after, the ratios use their mean
    const wcAfter = wcMs(f.path);
    const wc = (wcBefore + wcAfter) / 2;
    results.push(r);
    if (plain.lines !== r.lines && plain.lines + 1 !== r.lines) throw new Error(`${f.path}: the index counted ${r.lines} lines, a plain newline count ${plain.lines}`);
    console.log(`${f.label}: ${r.lines.toLocaleString('en')} lines, ${r.diagnostics} diagnostics`);
    console.log(`  wc -l ${(wc / 1000).toFixed(3)} s (median of 3 before: ${(wcBefore / 1000).toFixed(3)} s, after: ${(wcAfter / 1000).toFixed(3)} s), plain node newline count ${(plain.ms / 1000).toFixed(2)} s`);
    console.log(`  index ready (lines known: scroll, filter, hover; through the worker): ${(r.indexMs / 1000).toFixed(2)} s = ${f1(r.bytes / 1000 / r.indexMs)} MB/s, ` +
      `×${f1(r.indexMs / wc)} wc -l (goal ≤ 10), ×${f1(r.indexMs / plain.ms)} plain node count`);
    console.log(`  replay done (background, from open): ${(r.replayMs / 1000).toFixed(2)} s = ${f1(r.bytes / 1000 / r.replayMs)} MB/s, ×${f1(r.replayMs / wc)} wc -l`);
    if (r.hoverDuringReplay) {
      const h = r.hoverDuringReplay;
      console.log(`  hover while replaying: ${h.count} (${h.pending} "still indexing"): p50 ${f1(h.p50)} ms, p99 ${f1(h.p99)} ms, max ${f1(h.max)} ms`);
    }
    console.log(`  peak RSS ${f1(r.maxRssKiB / 1024)} MiB (fixed cost ${f1(idle.maxRssKiB / 1024)} MiB), worker heap after indexing ${f1(r.workerHeapBytes / 1048576)} MiB`);
    if (r.hover) console.log(`  hover over ${r.hover.count} random address fields (${r.hover.answered} with a chain) after the replay: p50 ${f1(r.hover.p50)} ms, p99 ${f1(r.hover.p99)} ms, max ${f1(r.hover.max)} ms (goal p99 ≤ 50 ms)`);
    if (r.lines200) console.log(`  lines(): 200-line block at random places: p50 ${f1(r.lines200.p50)} ms, p99 ${f1(r.lines200.p99)} ms`);
    for (const fl of r.filters ?? []) console.log(`  filter ${fl.criteria}: ${(fl.ms / 1000).toFixed(2)} s, ${fl.matches} lines (×${f1(fl.ms / wc)} wc -l, goal ≤ 5)`);
  }
  return { small: results[0], big: results[1], idle };
}
