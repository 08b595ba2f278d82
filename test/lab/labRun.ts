// The lab outputs a test run reads: by default a fresh run of every scenario (test/lab/run-lab.sh)
// into a temporary folder, so no result is older than the test. IOVA_LENS_LAB_OUT=DIR reads the
// folders of a run made by the caller instead (e.g. test/fixtures/vdpa-lab while developing).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LabRun {
  dir: string;
  /** exit status of run-lab.sh (0 when taken from IOVA_LENS_LAB_OUT) */
  status: number;
  /** wall seconds of the outer boot, from timing.txt */
  seconds?: number;
  log: string;
}

export interface Scenario {
  name: string;
  qemu: '7.2' | '10';
  /** the host's debug build of that QEMU (scripts/build-qemu-debug.sh), with cores taken of it */
  debug: boolean;
  svq: boolean;
  iommu: boolean;
  aliasRequired: boolean;
}

export function scenarios(): Scenario[] {
  return readFileSync('test/lab/scenarios.txt', 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [name, qemu, svq, iommu, alias] = l.trim().split(/\s+/);
      const debug = qemu.endsWith('dbg');
      return { name, qemu: qemu.replace(/dbg$/, '') as '7.2' | '10', debug, svq: svq === 'on', iommu: iommu === '1', aliasRequired: alias === 'required' };
    });
}

export async function labRun(): Promise<LabRun> {
  const given = process.env.IOVA_LENS_LAB_OUT;
  if (given) return { dir: given, status: 0, log: `results of ${given} (IOVA_LENS_LAB_OUT)`, seconds: timing(given) };
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-lab-'));
  const logPath = join(dir, 'run-lab.log');
  const fd = openSync(logPath, 'w');
  const status = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', ['test/lab/run-lab.sh', '--out', dir], { stdio: ['ignore', fd, fd] });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  closeSync(fd);
  return { dir, status, log: readFileSync(logPath, 'utf8'), seconds: timing(dir) };
}

function timing(dir: string): number | undefined {
  const p = join(dir, 'timing.txt');
  if (!existsSync(p)) return undefined;
  const m = /: (\d+)s/.exec(readFileSync(p, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

export function scenarioFile(run: LabRun, scenario: string, file: string): string {
  const p = join(run.dir, scenario, file);
  if (!existsSync(p)) {
    const have = existsSync(join(run.dir, scenario)) ? readdirSync(join(run.dir, scenario)).join(', ') : 'no folder';
    throw new Error(`lab scenario ${scenario}: no ${file} (${have}); run-lab said:\n${run.log.slice(-2000)}`);
  }
  return readFileSync(p, 'utf8');
}
