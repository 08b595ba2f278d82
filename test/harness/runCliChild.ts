// The CLI as a child process, as a user runs it: exit code, stdout, stderr and peak RSS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** peak resident set size of the child, MiB */
  peakRssMb: number;
}

const ROOT = join(__dirname, '../..');

export async function runCliChild(args: string[], opts: { stdin?: string } = {}): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-rss-'));
  const rssFile = join(dir, 'rss');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/harness/cliChild.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, IOVA_LENS_RSS_FILE: rssFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    let kib = NaN;
    try {
      kib = Number(readFileSync(rssFile, 'utf8'));
    } catch {
      // the child died before its exit hook: peak unknown, the test fails on the exit code anyway
    }
    return { code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), peakRssMb: kib / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
