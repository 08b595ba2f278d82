import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeCpio } from '../harness/cpio.js';

test('newc records: magic, hex fields, name and data padded to 4 bytes, trailer last', () => {
  const out = writeCpio([
    { kind: 'dir', path: '/bin' },
    { kind: 'file', path: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
  ]);
  const text = out.toString('latin1');
  assert.equal(text.slice(0, 6), '070701');
  // Field 2 (mode) of the first record: directory 0o40755.
  assert.equal(parseInt(text.slice(14, 22), 16), 0o40755);
  assert.equal(text.slice(110, 114), 'bin\0');
  // 110 + 4 = 114 → padded to 116 before the next header.
  assert.equal(text.slice(116, 122), '070701');
  const init = text.indexOf('init\0');
  const hdr = init - 110;
  assert.equal(parseInt(text.slice(hdr + 6 + 8, hdr + 6 + 16), 16), 0o100755);
  assert.equal(parseInt(text.slice(hdr + 6 + 48, hdr + 6 + 56), 16), 10); // filesize
  const con = text.indexOf('dev/console\0') - 110;
  assert.equal(parseInt(text.slice(con + 6 + 72, con + 6 + 80), 16), 5); // rdevmajor
  assert.equal(parseInt(text.slice(con + 6 + 80, con + 6 + 88), 16), 1); // rdevminor
  assert.ok(text.includes('TRAILER!!!\0'));
  assert.equal(out.length % 4, 0);
});
