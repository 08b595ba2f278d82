// Entry of the `iova-lens` binary (bundled to dist/cli.js).
import { runCli } from './runCli.js';

runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  stderrIsTTY: Boolean(process.stderr.isTTY),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`iova-lens: ${String(e)}\n`);
    process.exitCode = 70;
  },
);
