// Entry of the `iova-lens` binary (bundled to dist/cli.js).
import { runCli } from './runCli.js';

// `iova-lens check … | head`: a reader that went away is not an error worth a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

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
