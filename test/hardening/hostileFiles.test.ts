// Hostile and pathological files against the CLI, each run as a child process the way a user
// runs it: the exit code the README documents, one clear line on stderr, no stack trace, and
// the child's peak memory under the bound. Files are generated per case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliChild, type CliRun } from '../harness/runCliChild.js';

const dir = mkdtempSync(join(tmpdir(), 'iova-lens-hostile-'));
const file = (name: string, content: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const MAP = 'vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 uaddr: 0x7f0000001000 perm: 0x3 type: 2';
const SLOW = { timeout: 120_000 };

/** One line on stderr matching `message`, no stack frame anywhere, the exit code and the memory bound. */
function assertClean(r: CliRun, code: number, message: RegExp, maxRssMb = 300): void {
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, code, `exit code (stderr: ${r.stderr.slice(0, 400)})`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace');
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.ok(r.peakRssMb <= maxRssMb, `peak RSS ${r.peakRssMb.toFixed(0)} MiB over ${maxRssMb} MiB`);
}

const oneLine = (r: CliRun): void => assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);

test('check /dev/zero, a FIFO and a directory: refused as not regular files (exit 2)', SLOW, async () => {
  const fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  for (const [path, kind] of [['/dev/zero', 'a character device'], [fifo, 'a FIFO'], [dir, 'a directory']] as const) {
    const r = await runCliChild(['check', path]);
    assertClean(r, 2, new RegExp(`^iova-lens check: cannot read ${path}: it is ${kind}`));
    oneLine(r);
  }
});

test('replay /dev/zero, replay - with NULs on stdin, --trace-events /dev/zero: exit 2 with the file named', SLOW, async () => {
  const replay = await runCliChild(['replay', '/dev/zero']);
  assertClean(replay, 2, /^iova-lens replay: cannot read \/dev\/zero: it is a character device, not a regular file$/m);
  oneLine(replay);
  const stdin = await runCliChild(['replay', '-'], { stdin: '{"call":"iova_tree_new"}\n' + '\0'.repeat(1 << 20) });
  assertClean(stdin, 2, /cannot read stdin: binary data \(a NUL byte at byte offset 25\)/);
  const events = await runCliChild(['check', file('ok.log', MAP + '\n'), '--trace-events', '/dev/zero']);
  assertClean(events, 2, /^iova-lens check: cannot read \/dev\/zero: it is a character device/);
  oneLine(events);
});

test('a source file checked as a trace says there is no trace event in it (exit 2), not "0 events"', SLOW, async () => {
  const ts = file('main.ts', 'import { x } from "./y";\n\nexport const main = (): void => x();\n');
  const r = await runCliChild(['check', ts]);
  assertClean(r, 2, new RegExp(`^iova-lens check: no QEMU trace event in ${ts.replace(/\./g, '\\.')} \\(3 line`));
  oneLine(r);
  assert.equal(r.stdout, '');
});

test('a truncated simpletrace exits 2 naming the byte offset; the events before it are still reported', SLOW, async () => {
  const head = Buffer.alloc(24);
  head.writeBigUInt64LE(0xffffffffffffffffn, 0);
  head.writeBigUInt64LE(0xf2b177cb0aa429b4n, 8);
  head.writeBigUInt64LE(4n, 16);
  const truncated = Buffer.concat([head, Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0])]);
  const r = await runCliChild(['check', file('cut.simpletrace', truncated)]);
  assertClean(r, 2, /^iova-lens check: cannot read all of .*cut\.simpletrace: simpletrace: truncated record: 11 byte\(s\) left, not a whole record at byte offset 24/m);
  oneLine(r);
});

test('ReDoS inputs: 1 MB of leading blanks before an ftrace marker, six %s over 1 MB of spaces', SLOW, async () => {
  const ftrace = file('ftrace.log', ' '.repeat(1 << 20) + 'x tracing_mark_write: virtio_notify vdev 0x1 vq 0x2\n' + MAP + '\n');
  const a = await runCliChild(['check', ftrace, '--json']);
  assertClean(a, 0, /^$/);
  assert.equal(JSON.parse(a.stdout).events, 1);
  const defs = file('ambiguous.trace-events', 'vhost_vdpa_set_owner(const char *a, const char *b, const char *c, const char *d, const char *e, const char *f) "%s %s %s %s %s %s|"\n');
  const body = file('ambiguous.log', 'vhost_vdpa_set_owner ' + ' '.repeat(1 << 20) + '\n' + MAP + '\n');
  const b = await runCliChild(['check', body, '--trace-events', defs, '--json']);
  assertClean(b, 0, /^$/);
  const diags = JSON.parse(b.stdout).diagnostics as { code: string; line: number }[];
  assert.deepEqual(diags.map((d) => [d.code, d.line]), [['parse-error', 1]]);
});

test('200k trace-events definitions: a limit named in the report, no stack overflow, the trace is read', SLOW, async () => {
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(`ev_${i}(int x) "x %d"`);
  const defs = file('many.trace-events', lines.join('\n') + '\n');
  const r = await runCliChild(['check', file('one.log', MAP + '\n'), '--trace-events', defs]);
  assertClean(r, 0, /^$/);
  assert.match(r.stdout, /trace-events: .*many\.trace-events:20001: more than 20000 definitions in all; this one and the rest of the file are ignored/);
});

test('300k malformed lines: warnings capped per kind with a count, memory bounded', SLOW, async () => {
  const n = 300_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 bogus ${i}`);
  const r = await runCliChild(['check', file('malformed.log', lines.join('\n') + '\n'), '--json']);
  assertClean(r, 0, /^$/);
  const j = JSON.parse(r.stdout) as { events: number; diagnostics: { message: string }[] };
  assert.equal(j.events, n);
  assert.equal(j.diagnostics.length, 5001);
  assert.match(j.diagnostics.at(-1)!.message, new RegExp(`^${n - 5000} more parse-error diagnostic\\(s\\) from this line on are not listed`));
});

test('file names with ESC and newline are escaped on the terminal', SLOW, async () => {
  const evil = file('a\x1b]0;owned\x07b\nc.log', 'not a trace\n');
  const r = await runCliChild(['check', evil]);
  assertClean(r, 2, /no QEMU trace event in .*a\\x1b\]0;owned\\x07b\\nc\.log/);
  oneLine(r);
  assert.ok(!r.stderr.includes('\u001b'), 'no raw ESC on the terminal');
});
