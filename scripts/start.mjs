// `npm start`: build, then check every bundled sample trace with the CLI. The legacy aliasing
// sample is meant to fail the check (that is the bug it shows), so this script only fails when
// the CLI itself does (bad usage, unreadable input, crash).
import { spawnSync } from 'node:child_process';

// Each run: the traces, plus QEMU's own stderr where the sample has it (a lab run keeps it beside the
// trace: its error lines tell which maps the kernel refused).
const runs = [
  ['samples/aliased-unmap-svq-legacy.log', 'samples/aliased-unmap-svq-fixed.log'],
  ['samples/vdpa-lab-qemu-7.2-svq/trace.log', '--qemu-log', 'samples/vdpa-lab-qemu-7.2-svq/qemu-stderr.log'],
  ['samples/qemu-7.2-vtd-net/trace.log'],
];
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let code = 0;
for (const args of runs) {
  const r = spawnSync(process.execPath, ['dist/cli.js', 'check', ...args], { stdio: 'inherit' });
  code = Math.max(code, r.status ?? 70);
}
console.log(`\niova-lens check exited ${code}: ${code === 0 ? 'no errors' : code === 1 ? 'errors found (expected: the legacy and lab 7.2 samples show the aliased-unmap bug)' : 'the CLI failed'}`);
process.exit(code <= 1 ? 0 : code);
