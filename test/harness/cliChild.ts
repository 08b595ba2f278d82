// Runs the CLI (src/cli/main.ts) in this process and, when IOVA_LENS_RSS_FILE is set, writes
// the process's peak resident set size (KiB) there on exit: the hardening suite's memory probe.
// With IOVA_LENS_READY_FD set, the CLI's modules are loaded first and a line is written to that
// descriptor just before the command starts: the harness counts its time limit from there, so
// the limit is about the command, not about compiling TypeScript on a busy machine.
import { writeFileSync, writeSync } from 'node:fs';

const rssFile = process.env.IOVA_LENS_RSS_FILE;
if (rssFile) process.on('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS)));
const readyFd = process.env.IOVA_LENS_READY_FD;
void import('../../src/cli/runCli.js').then(() => {
  if (readyFd) writeSync(Number(readyFd), 'ready\n');
  return import('../../src/cli/main.js');
});
