// formatBdf keeps one text per device (a VT-d trace names its device on every line): the same
// answer on every call, and values outside a byte are formatted, not looked up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBdf, sidToBdf } from '../../src/model/pciAddress.js';

test('formatBdf gives the canonical text, the same on every call', () => {
  assert.equal(formatBdf(0, 2, 0), '00:02.0');
  assert.equal(formatBdf(0, 2, 0), '00:02.0');
  assert.equal(formatBdf(0xab, 0x1f, 7), 'ab:1f.7');
  assert.equal(sidToBdf(0x18), '00:03.0');
  assert.equal(sidToBdf(0x18), formatBdf(0, 3, 0));
});

test('formatBdf formats values a byte cannot hold instead of confusing them with small ones', () => {
  assert.equal(formatBdf(0x100, 2, 0), '100:02.0');
  assert.equal(formatBdf(0, 2, 0), '00:02.0');
  assert.equal(formatBdf(0, 0x102, 0), '00:102.0');
  assert.equal(formatBdf(1, 2, 0x10), '01:02.10');
});
