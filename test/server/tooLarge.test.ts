// The refusal diagnostic of a document over the language server's limit: sizes as a user reads
// them, and a `check` command line that can be pasted into a shell whatever the file is called.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tooLargeDiagnostic, tooLargeMessage } from '../../src/server/tooLarge.js';

const MiB = 2 ** 20;

test('sizes in MiB, one decimal under 100, the limit as set', () => {
  assert.match(tooLargeMessage('file:///t/a.log', 141_200_000, 64 * MiB), /^This trace is about 135 MiB, over the IOVA Lens language server's 64 MiB limit/);
  assert.match(tooLargeMessage('file:///t/a.log', 70.25 * MiB, 64 * MiB), /about 70\.3 MiB, over .* 64 MiB limit/);
  assert.match(tooLargeMessage('file:///t/a.log', 2 * MiB, 1 * MiB), /about 2 MiB, over .* 1 MiB limit/);
});

test('the check command names the file, shell-quoted when it needs to be; other URIs are shown as they are', () => {
  assert.match(tooLargeMessage('file:///t/a.log', 70 * MiB, 64 * MiB), /run `iova-lens check \/t\/a\.log`/);
  assert.match(tooLargeMessage("file:///t/it's%20big.log", 70 * MiB, 64 * MiB), /run `iova-lens check '\/t\/it'\\''s big\.log'`/);
  assert.match(tooLargeMessage('untitled:Untitled-1', 70 * MiB, 64 * MiB), /run `iova-lens check 'untitled:Untitled-1'`/);
});

test('one warning at the start of line 1, with its code and source', () => {
  const d = tooLargeDiagnostic('file:///t/a.log', 70 * MiB, 64 * MiB);
  assert.deepEqual(d.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } });
  assert.equal(d.code, 'document-too-large');
  assert.equal(d.source, 'iova-lens');
  assert.equal(d.severity, 2);
});
