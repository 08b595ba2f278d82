import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressFromDebuggerValue, hexLiteralValue } from '../../src/shared/debuggerValue.js';

test('addresses are read out of what gdb, lldb and cppdbg print', () => {
  assert.equal(addressFromDebuggerValue('(void *) 0x00007f7903e00000'), '0x7f7903e00000');
  assert.equal(addressFromDebuggerValue('0x1000 <vring_desc>'), '0x1000');
  assert.equal(addressFromDebuggerValue('4096'), '0x1000');
  assert.equal(addressFromDebuggerValue('(hwaddr) 18446744073709551615'), '0xffffffffffffffff');
  assert.equal(addressFromDebuggerValue('18446744073709551616'), undefined, 'one past 2^64-1 is not an address');
  assert.equal(addressFromDebuggerValue('{iova = 1, size = 2}'), undefined);
  assert.equal(addressFromDebuggerValue('-1'), undefined);
});

test('hex literals lose their C suffix; non-literals are refused', () => {
  assert.equal(hexLiteralValue('0xFEDA0000ULL'), '0xfeda0000');
  assert.equal(hexLiteralValue('0x1'), '0x1');
  assert.equal(hexLiteralValue('0x'), undefined);
  assert.equal(hexLiteralValue('0x12345678901234567'), undefined, '17 digits do not fit 64 bits');
});
