// The last line of defence for the inline debug adapter: while a session lives, an exception that
// escapes a callback, or a rejection nobody handles, is reported to the session's Debug Console
// and the process (the extension host) goes on; the session still answers requests. Run in a
// child process, because the test runner would take the fault for a failed test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('an uncaught exception and an unhandled rejection do not end a process with a live session', { timeout: 60_000 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'guardChild.ts')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, `killed: ${r.stderr}`);
  assert.equal(r.status, 0, `the process ended on the fault: ${r.stderr.slice(0, 600)}`);
  const messages = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; event?: string; command?: string; success?: boolean; body?: { output?: string; category?: string } });
  const output = messages.filter((m) => m.event === 'output').map((m) => m.body?.output ?? '');
  assert.ok(output.some((o) => /^IOVA Lens internal error \(uncaught exception\), the session goes on: escaped from a timer callback/.test(o)), JSON.stringify(output));
  assert.ok(output.some((o) => /^IOVA Lens internal error \(unhandled rejection\), the session goes on: rejected with nobody listening/.test(o)), JSON.stringify(output));
  const init = messages.find((m) => m.type === 'response' && m.command === 'initialize');
  assert.equal(init?.success, true, 'the session answered initialize after both faults');
});
