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

/** check, awk and wc -l on one file; best of `runs` each, peak RSS over the check runs. */
export function measureCheck(file: string, runs = 2): { check: number; awk: number; wc: number; rssMB: number } {
  const cli = join(process.cwd(), 'dist', 'cli.js');
  const hook = join(process.cwd(), 'bench', 'rssHook.mjs');
  let rssKiB = 0;
  const check = best(runs, () => {
    const r = wall(process.execPath, ['--import', hook, cli, 'check', file, '--json']);
    if (r.status !== 0 && r.status !== 1) throw new Error(`check failed (${r.status}): ${r.stderr}`);
    rssKiB = Math.max(rssKiB, Number(/maxRSS_KiB=(\d+)/.exec(r.stderr)?.[1] ?? 0));
    return r.ms;
  });
  const awk = best(3, () => wall('awk', ['{n+=NF} END{print n}', file]).ms);
  const wc = best(3, () => wall('wc', ['-l', file]).ms);
  return { check, awk, wc, rssMB: rssKiB / 1024 };
}
