import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHmpText, parseGpa2Hva, parseXpBytes } from '../../src/qemu/parse/hmpAnswers.js';
import { HmpError } from '../../src/qemu/errors.js';

test('gpa2hva answer and its three failure texts', () => {
  assert.deepEqual(parseGpa2Hva('Host virtual address for 0x1000 (pc.ram) is 0x7f653fe01000\n'), {
    gpa: 0x1000n, region: 'pc.ram', hva: 0x7f653fe01000n,
  });
  assert.throws(() => parseGpa2Hva('No memory is mapped at address 0xf0000000\n'), (e: unknown) => e instanceof HmpError && /0xf0000000/.test(e.message));
  assert.throws(() => parseGpa2Hva('Memory at address 0xfed90000is not RAM\n'), HmpError);
  assert.throws(() => parseGpa2Hva('Size of memory region at 0x1000 exceeded.\n'), HmpError);
});

test('HMP failures reported as QMP success are recognised', () => {
  assert.throws(() => checkHmpText('foo bar', "unknown command: 'foo'\n"), /HMP "foo bar" failed: unknown command: 'foo'/);
  assert.throws(() => checkHmpText('gpa2hva zz', 'invalid char \'z\' in expression\nTry "help gpa2hva" for more information\n'), HmpError);
  assert.doesNotThrow(() => checkHmpText('info mtree', 'FlatView #0\n AS "memory", root: system\n'));
});

test('xp byte dump (QEMU 7.2 layout: 8 bytes a line) and its "Cannot access memory" end', () => {
  const text = '00000000fffffff0: 0xea 0x5b 0xe0 0x00 0xf0 0x30 0x36 0x2f\n00000000fffffff8: 0x32 0x33 0x2f 0x39\n';
  assert.deepEqual([...parseXpBytes('xp', text, 0xfffffff0n, 12)], [0xea, 0x5b, 0xe0, 0x00, 0xf0, 0x30, 0x36, 0x2f, 0x32, 0x33, 0x2f, 0x39]);
  assert.throws(
    () => parseXpBytes('xp /20xb 0xfffffff0', '00000000fffffff0: 0xea 0x5b 0xe0 0x00 0xf0 0x30 0x36 0x2f\n0000000100000000: Cannot access memory\n', 0xfffffff0n, 20),
    /guest-physical 0x100000000: Cannot access memory/,
  );
  assert.throws(() => parseXpBytes('xp', '00000000fffffff8: 0x32\n', 0xfffffff0n, 1), /expected 0xfffffff0/);
});
