import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressAt, parseAddressQuery } from '../../src/shared/addressQuery.js';
import { traceLines } from '../../src/extension/traceLines.js';

test('a bare address is hex or decimal, without a space', () => {
  assert.deepEqual(parseAddressQuery(' 0x1000 '), { addr: '0x1000' });
  assert.deepEqual(parseAddressQuery('4096'), { addr: '4096' });
});

test("the memory view's and the console's spellings name the space (and a guest IOVA's device)", () => {
  assert.deepEqual(parseAddressQuery('gpa:0x1000'), { addr: '0x1000', space: 'gpa' });
  assert.deepEqual(parseAddressQuery('HVA:0x7f0000001000'), { addr: '0x7f0000001000', space: 'hva' });
  assert.deepEqual(parseAddressQuery('iova 0x2000001000'), { addr: '0x2000001000', space: 'iova' });
  assert.deepEqual(parseAddressQuery('giova:00:03.0:0xffeb8040'), { addr: '0xffeb8040', space: 'giova', device: '00:03.0' });
  assert.deepEqual(parseAddressQuery('giova 0xffeb8040 00:03.0'), { addr: '0xffeb8040', space: 'giova', device: '00:03.0' });
  assert.deepEqual(parseAddressQuery('0x1000 0x55d2c1a4e2b0'), { addr: '0x1000', device: '0x55d2c1a4e2b0' });
});

test('bad input says what is wrong', () => {
  assert.match((parseAddressQuery('') as { error: string }).error, /type an address/);
  assert.match((parseAddressQuery('gva:0x1000') as { error: string }).error, /unknown address space "gva"/);
  assert.match((parseAddressQuery('0xfoo') as { error: string }).error, /"0xfoo" is not an address/);
  assert.match((parseAddressQuery('0x10000000000000000') as { error: string }).error, /not an address/);
  assert.match((parseAddressQuery('18446744073709551616') as { error: string }).error, /does not fit in 64 bits/);
  assert.match((parseAddressQuery('giova 0x1000 0x55d2') as { error: string }).error, /needs the device's BDF/);
  assert.match((parseAddressQuery('gpa 0x1000 00:03.0 more') as { error: string }).error, /too many words/);
});

test('the address under the cursor, with its space prefix when it has one', () => {
  const line = 'vhost_vdpa_dma_unmap vdpa:0x55d2c1a4e2b0 fd: 37 msg_type: 2 type: 3 iova: 0x1000 size: 0x80000000';
  assert.equal(addressAt(line, line.indexOf('0x1000') + 2), '0x1000');
  assert.equal(addressAt(line, line.indexOf('37')), '37');
  assert.equal(addressAt('see gpa:0x1000 here', 6), 'gpa:0x1000');
  assert.equal(addressAt('read giova:00:03.0:0xffeb8040', 12), 'giova:00:03.0:0xffeb8040');
  assert.equal(addressAt('no address', 3), undefined);
});

test('a trace ending in a newline has as many lines as records (not the empty line after it)', () => {
  const doc = (text: string) => {
    const lines = text.split('\n');
    return { lineCount: lines.length, lineAt: (i: number) => ({ text: lines[i]! }) };
  };
  const eighteen = Array.from({ length: 18 }, (_, i) => `event_${i} a=0x${i}`).join('\n');
  assert.equal(traceLines(doc(eighteen + '\n')), 18);
  assert.equal(traceLines(doc(eighteen)), 18);
  assert.equal(traceLines(doc('')), 1);
});
