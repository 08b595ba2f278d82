import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/runCli.js';
import { WORKED_EXAMPLE } from '../model/reference/replayWorkedExample.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function cli(args: string[], stdinText = ''): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, { stdin: Readable.from([stdinText]), stdout: out.stream, stderr: err.stream, stderrIsTTY: false });
  return { code, out: out.text(), err: err.text() };
}

const input = WORKED_EXAMPLE.map(([i]) => i).join('\n') + '\n';
const expected = WORKED_EXAMPLE.map(([, o]) => o).join('\n') + '\n';

test('iova-lens replay - (real process, stdin): the worked example prints QEMU\'s answers', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'replay', '-'], { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, expected);
});

test('iova-lens replay FILE: CRLF and a missing final newline still give one line per input line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-replay-'));
  const file = join(dir, 'script.jsonl');
  writeFileSync(file, WORKED_EXAMPLE.map(([i]) => i).join('\r\n') + '\r\n\r\n{"call":"nope"}');
  const r = await cli(['replay', file]);
  assert.equal(r.code, 0);
  const lines = r.out.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  assert.deepEqual(lines.slice(0, 5), WORKED_EXAMPLE.map(([, o]) => o));
  assert.equal(lines[5], '{}');
  assert.match(lines[6], /^\{"error":"line 7: unknown call \\"nope\\""\}$/);
  assert.equal(lines.length, 7);
  assert.match(r.err, /1 line\(s\) answered with an error/);
});

test('iova-lens replay: a long script streams through in order (alloc answers count up)', async () => {
  const n = 5000;
  const lines = ['{"call":"iova_tree_new"}'];
  for (let i = 0; i < n; i++) lines.push('{"call":"iova_tree_alloc_map","map":{"size":"0xfff","perm":3},"iova_begin":"0x1000","iova_last":"0xffffffffffffffff"}');
  const r = await cli(['replay', '-'], lines.join('\n'));
  const out = r.out.trimEnd().split('\n');
  assert.equal(out.length, n + 1);
  for (let i = 0; i < n; i++) assert.equal(out[i + 1], `{"ret":0,"iova":"0x${((i + 1) * 0x1000).toString(16)}"}`);
});

test('iova-lens replay: usage and unreadable input are clean errors (exit 2)', async () => {
  const none = await cli(['replay']);
  assert.equal(none.code, 2);
  assert.match(none.err, /missing FILE/);
  const missing = await cli(['replay', '/nonexistent/iova-lens/script.jsonl']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read \/nonexistent\/iova-lens\/script\.jsonl: ENOENT/);
  const dir = await cli(['replay', tmpdir()]);
  assert.equal(dir.code, 2);
  assert.match(dir.err, /is a directory/);
  const help = await cli(['replay', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /vhost_iova_tree_map_alloc_gpa/);
});
