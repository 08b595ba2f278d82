// The QEMU built with debug information by scripts/build-qemu-debug.sh (part of
// scripts/setup-test-env.sh). A missing build fails the suite with the command to run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

export function debugQemu(line: '7.2' | '10.0'): string {
  const r = spawnSync('bash', [join(ROOT, 'scripts/build-qemu-debug.sh'), '--print', line], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr.trim() || `QEMU ${line} with debug info is not built: run bash scripts/build-qemu-debug.sh ${line}`);
  return r.stdout.trim();
}
