// The test guest's initramfs as the real cpio(1) sees it: the kernel's unpacker speaks the same format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildInitramfs, GUEST_MODULES } from '../harness/initramfs.js';

test('cpio -t lists busybox, /init, /dev/console and every virtio module', () => {
  const path = buildInitramfs();
  const r = spawnSync('cpio', ['-it', '--quiet'], { input: readFileSync(path), encoding: 'utf8' });
  assert.equal(r.error, undefined, `cpio must be installed (scripts/install-system-deps.sh): ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  const names = r.stdout.trim().split('\n');
  for (const n of ['bin/busybox', 'bin/sh', 'init', 'dev/console', ...GUEST_MODULES.map((m) => `lib/modules/${m}.ko`)]) assert.ok(names.includes(n), n);
});
