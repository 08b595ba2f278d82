// The TextMate grammar is locked by vscode-tmgrammar-test assertion files (test/grammar/*.test.qtrace)
// and by snapshots of real trace lines (test/grammar/snap/*.qtrace + .snap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const bin = (name: string) => join('node_modules', '.bin', name);
const grammar = 'syntaxes/qemu-trace.tmLanguage.json';

test('grammar assertions on scenario and VT-d lines hold', () => {
  const r = spawnSync(bin('vscode-tmgrammar-test'), ['-g', grammar, 'test/grammar/*.test.qtrace'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('grammar snapshots of real trace lines are unchanged', () => {
  const r = spawnSync(bin('vscode-tmgrammar-snap'), ['-g', grammar, '-s', 'source.qemu-trace', 'test/grammar/snap/*.qtrace'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
