// Wall-clock helpers the benches share: one child process timed, and the best of several runs.
import { spawnSync } from 'node:child_process';

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
