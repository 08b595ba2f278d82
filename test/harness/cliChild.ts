// Runs the CLI (src/cli/main.ts) in this process and, when IOVA_LENS_RSS_FILE is set, writes
// the process's peak resident set size (KiB) there on exit: the hardening suite's memory probe.
import { writeFileSync } from 'node:fs';

const rssFile = process.env.IOVA_LENS_RSS_FILE;
if (rssFile) process.on('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS)));
void import('../../src/cli/main.js');
