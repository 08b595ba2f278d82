// Runs the test files with node's own test runner (TypeScript through tsx).
//   unit:         test/**/*.test.ts except *.integration.test.ts
//   integration:  test/**/*.integration.test.ts (real QEMU and friends)
//   all:          both
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const kind = process.argv[2] ?? 'all';
const filter = process.argv.slice(3);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue; // e.g. test/e2e/code-server's own install
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = walk('test').sort();
if (kind === 'unit') files = files.filter((f) => !f.endsWith('.integration.test.ts'));
else if (kind === 'integration') files = files.filter((f) => f.endsWith('.integration.test.ts'));
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error(`no test files for "${kind}" ${filter.join(' ')}`);
  process.exit(1);
}
// The vDPA lab (test/lab) boots a TCG guest that runs more TCG guests on both cores: it runs
// first and alone, so its device windows do not depend on what else the machine is doing.
const run = (list, concurrency) => spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...list], { stdio: 'inherit' }).status ?? 1;
const alone = files.filter((f) => f.startsWith(join('test', 'lab') + '/') && f.endsWith('.integration.test.ts'));
const rest = files.filter((f) => !alone.includes(f));
let status = 0;
if (alone.length) status = run(alone, 1);
if (rest.length) status = run(rest, 2) || status;
process.exit(status);
