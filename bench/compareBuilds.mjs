// Runs `check FILE` and `check --json FILE` with two builds of the CLI on every file under the
// given folders (default: test/fixtures, ../shared/fixtures, samples) and on any extra files, and
// reports each file whose stdout, stderr or exit code differ. Exit code 1 when any differ.
//
//   node bench/compareBuilds.mjs OLD/cli.js NEW/cli.js [FILE_OR_DIR…]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [oldCli, newCli, ...rest] = process.argv.slice(2);
if (!oldCli || !newCli) {
  console.error('usage: node bench/compareBuilds.mjs OLD/cli.js NEW/cli.js [FILE_OR_DIR…]');
  process.exit(2);
}
const roots = rest.length > 0 ? rest : ['test/fixtures', '../shared/fixtures', 'samples'];

function* files(path) {
  const st = statSync(path);
  if (st.isFile()) {
    yield path;
    return;
  }
  for (const name of readdirSync(path).sort()) yield* files(join(path, name));
}

function run(cli, args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'latin1', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal };
}

let compared = 0;
let differ = 0;
for (const root of roots) {
  for (const file of files(root)) {
    for (const args of [['check', file], ['check', '--json', file]]) {
      const a = run(oldCli, args);
      const b = run(newCli, args);
      compared++;
      const diffs = ['stdout', 'stderr', 'status', 'signal'].filter((k) => a[k] !== b[k]);
      if (diffs.length > 0) {
        differ++;
        console.log(`DIFFERS (${diffs.join(', ')}): ${args.join(' ')}`);
      }
    }
  }
}
console.log(`${compared} runs compared (${compared / 2} files, text and --json), ${differ} differ`);
process.exit(differ === 0 ? 0 : 1);
