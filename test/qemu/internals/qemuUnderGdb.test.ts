// What reaches QEMU through gdb's shell when it runs under gdb: each argument single-quoted so
// /bin/sh expands nothing (checked against the real /bin/sh), and the executable found as the
// shell would find it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, shellWord } from '../../../src/qemu/internals/qemuUnderGdb.js';

test('shellWord: /bin/sh gives back every argument unchanged', () => {
  const args = ['plain', 'with space', `it's`, '"dq"', '$HOME', '`id`', '\\back', '*', '', 'a;b|c&d', "''"];
  const r = spawnSync('/bin/sh', ['-c', `printf '%s\\n' ${args.map(shellWord).join(' ')}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.split('\n').slice(0, -1), args);
});

test('findExecutable: PATH search, relative to cwd, and nothing for a missing or non-executable file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-exe-'));
  try {
    writeFileSync(join(dir, 'qemu-x'), '#!/bin/sh\n');
    chmodSync(join(dir, 'qemu-x'), 0o755);
    writeFileSync(join(dir, 'not-exec'), '');
    assert.equal(findExecutable('qemu-x', undefined, `/nonexistent:${dir}`), join(dir, 'qemu-x'));
    assert.equal(findExecutable('./qemu-x', dir, ''), join(dir, 'qemu-x'));
    assert.equal(findExecutable('not-exec', undefined, dir), undefined);
    assert.equal(findExecutable('missing', undefined, dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
