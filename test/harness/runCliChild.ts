// The CLI as a child process, as a user runs it: exit code, stdout, stderr and peak RSS.
// A time limit makes a hang fail: the child is killed `limitMs` (stretched on a loaded machine,
// see hangLimit.ts) after the fault, which is the moment the command starts (its modules
// loaded) or, for a hostile peer, the moment the peer misbehaves (`fault()`). A kill is reported in the result; tests assert there was none. The
// limit is a bound, not a measurement: the figures live in `npm run bench -- soak`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { hangLimit } from './hangLimit.js';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** peak resident set size of the child, MiB */
  peakRssMb: number;
  /** set when the harness killed the child: what it was still waiting for */
  killedAfter?: string;
}

export interface CliChildOptions {
  stdin?: string;
  /** kill the child this long after the fault (default: no limit) */
  limitMs?: number;
  /** the fault is signalled by the caller through `fault()`, not by the command's start */
  faultByCaller?: boolean;
}

export interface CliChild {
  /** the peer has just misbehaved: the limit counts from now */
  fault(): void;
  readonly done: Promise<CliRun>;
}

const ROOT = join(__dirname, '../..');
/** before the fault (loading TypeScript through tsx, connecting): a generous bound on a busy machine */
const STARTUP_LIMIT_MS = 60_000;

export function startCliChild(args: string[], opts: CliChildOptions = {}): CliChild {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-rss-'));
  const rssFile = join(dir, 'rss');
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/harness/cliChild.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, IOVA_LENS_RSS_FILE: rssFile, IOVA_LENS_READY_FD: '3' },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  let killedAfter: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number | undefined, from: string): void => {
    clearTimeout(timer);
    if (ms === undefined) return;
    const limit = hangLimit(ms);
    timer = setTimeout(() => {
      killedAfter = `${limit.says} ${from}`;
      child.kill('SIGKILL');
    }, limit.ms);
  };
  arm(STARTUP_LIMIT_MS, 'of starting up');
  (child.stdio[3] as Readable).once('data', () => {
    if (!opts.faultByCaller) arm(opts.limitMs, "from the command's start");
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.stdin ?? '');
  const done = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s]))).then(([code, signal]) => {
    clearTimeout(timer);
    let kib = NaN;
    try {
      kib = Number(readFileSync(rssFile, 'utf8'));
    } catch {
      // the child died before its exit hook: peak unknown, the test fails on the exit code anyway
    }
    rmSync(dir, { recursive: true, force: true });
    const run: CliRun = { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), peakRssMb: kib / 1024 };
    if (killedAfter) run.killedAfter = killedAfter;
    return run;
  });
  return {
    fault: () => arm(opts.limitMs, "from the peer's fault"),
    done,
  };
}

export async function runCliChild(args: string[], opts: CliChildOptions = {}): Promise<CliRun> {
  return startCliChild(args, opts).done;
}
