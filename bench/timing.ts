// Wall-clock helpers the benches share: one child process timed, the best of several runs, and
// check against awk and wc -l on one file.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function wall(cmd: string, args: string[]): { ms: number; stderr: string; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  return { ms: performance.now() - t0, stderr: r.stderr, status: r.status };
}

export function best(runs: number, f: () => number): number {
  let b = Infinity;
  for (let i = 0; i < runs; i++) b = Math.min(b, f());
  return b;
}

export interface CheckTimes {
  check: number;
  awk: number;
  wc: number;
  rssMB: number;
  /** CPU time (user + system) of the fastest check run */
  cpu: number;
  /** with IOVA_LENS_BENCH_BASELINE: the baseline CLI's time, CPU, peak RSS, and whether its --json was the same */
  baseline?: { check: number; cpu: number; rssMB: number; sameOutput: boolean };
}

/** One `check FILE --json` run of `cli`: wall time, peak RSS and the output. */
function checkRun(cli: string, file: string): { ms: number; cpu: number; rssKiB: number; out: string } {
  const hook = join(process.cwd(), 'bench', 'rssHook.mjs');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', hook, cli, 'check', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, IOVA_LENS_BENCH_CPU: '1' } });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`check failed (${r.status}): ${r.stderr}`);
  return { ms, cpu: Number(/cpu_ms=(\d+)/.exec(r.stderr)?.[1] ?? NaN), rssKiB: Number(/maxRSS_KiB=(\d+)/.exec(r.stderr)?.[1] ?? 0), out: r.stdout };
}

/**
 * check, awk and wc -l on one file; best of `runs` each, peak RSS over the check runs. With
 * IOVA_LENS_BENCH_BASELINE=path/to/an/older/dist/cli.js that CLI runs too, interleaved with this
 * one, so a before/after ratio comes from one run on one machine state; its --json output is
 * compared byte for byte with this one's.
 */
export function measureCheck(file: string, runs = 2): CheckTimes {
  const cli = join(process.cwd(), 'dist', 'cli.js');
  const base = process.env.IOVA_LENS_BENCH_BASELINE;
  let rssKiB = 0;
  let baseRss = 0;
  let check = Infinity;
  let baseCheck = Infinity;
  let cpu = NaN;
  let baseCpu = NaN;
  let sameOutput = true;
  for (let i = 0; i < runs; i++) {
    const r = checkRun(cli, file);
    if (r.ms < check) cpu = r.cpu;
    check = Math.min(check, r.ms);
    rssKiB = Math.max(rssKiB, r.rssKiB);
    if (base) {
      const b = checkRun(base, file);
      if (b.ms < baseCheck) baseCpu = b.cpu;
      baseCheck = Math.min(baseCheck, b.ms);
      baseRss = Math.max(baseRss, b.rssKiB);
      sameOutput &&= b.out === r.out;
    }
  }
  const awk = best(3, () => wall('awk', ['{n+=NF} END{print n}', file]).ms);
  const wc = best(3, () => wall('wc', ['-l', file]).ms);
  const out: CheckTimes = { check, awk, wc, rssMB: rssKiB / 1024, cpu };
  if (base) out.baseline = { check: baseCheck, cpu: baseCpu, rssMB: baseRss / 1024, sameOutput };
  return out;
}

/** " | baseline …" for a report line, or nothing without IOVA_LENS_BENCH_BASELINE. */
export function baselineText(m: CheckTimes): string {
  const b = m.baseline;
  if (!b) return ` (check CPU ${m.cpu} ms)`;
  return (
    ` | CPU: check ${m.cpu} ms, baseline ${b.cpu} ms (${(b.cpu / m.cpu).toFixed(2)}x)` +
    ` | baseline wall ${b.check.toFixed(0)} ms (${(b.check / m.awk).toFixed(2)}x awk), ${b.rssMB.toFixed(0)} MB; wall speed-up ${(b.check / m.check).toFixed(2)}x; --json ${b.sameOutput ? 'identical' : 'DIFFERS'}`
  );
}
