// What every hostile case of the hardening suite asserts about a CLI child: not killed by the
// harness's time limit (a hang), the exit code the README documents, one clear line on stderr
// matching the case, no stack trace, no "internal error", and the peak memory bound.
import assert from 'node:assert/strict';
import type { CliRun } from '../harness/runCliChild.js';

export function assertClean(r: CliRun, code: number, message: RegExp, maxRssMb = 300): void {
  assert.equal(r.killedAfter, undefined, `no answer within ${r.killedAfter} (a hang): ${r.stderr.slice(0, 400)}`);
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr.slice(0, 400)})`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.ok(r.peakRssMb <= maxRssMb, `peak RSS ${r.peakRssMb.toFixed(0)} MiB over ${maxRssMb} MiB`);
}

export const assertOneLine = (r: CliRun): void => assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);
