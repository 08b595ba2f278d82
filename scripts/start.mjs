// `npm start`: build, then check every bundled sample trace with the CLI. The legacy aliasing
// sample is meant to fail the check (that is the bug it shows), so this script only fails when
// the CLI itself does (bad usage, unreadable input, crash).
import { spawnSync } from 'node:child_process';

const samples = [
  'samples/aliased-unmap-svq-legacy.log',
  'samples/aliased-unmap-svq-fixed.log',
  'samples/vdpa-lab-qemu-7.2-svq/trace.log',
  'samples/qemu-7.2-vtd-net/trace.log',
];
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const r = spawnSync(process.execPath, ['dist/cli.js', 'check', ...samples], { stdio: 'inherit' });
const code = r.status ?? 70;
console.log(`\niova-lens check exited ${code}: ${code === 0 ? 'no errors' : code === 1 ? 'errors found (expected: the legacy and lab 7.2 samples show the aliased-unmap bug)' : 'the CLI failed'}`);
process.exit(code <= 1 ? 0 : code);
