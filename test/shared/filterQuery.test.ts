import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilterQuery } from '../../src/shared/filterQuery.js';

test('criteria combine: a range in a space, a family, a device and an ASID', () => {
  assert.deepEqual(parseFilterQuery('iova 0x1000-0x20fff family vhost_vdpa_dma asid 1 device 00:02.0'), {
    space: 'iova', start: '0x1000', last: '0x20fff', family: 'vhost_vdpa_dma', asid: 1, device: '00:02.0',
  });
  assert.deepEqual(parseFilterQuery('  GPA 0xfeda0000 '), { space: 'gpa', start: '0xfeda0000' });
  assert.deepEqual(parseFilterQuery('hva 4096..8191'), { space: 'hva', start: '4096', last: '8191' });
  assert.deepEqual(parseFilterQuery(''), {});
});

test('mistakes are named', () => {
  assert.throws(() => parseFilterQuery('iova'), /"iova" needs an address/);
  assert.throws(() => parseFilterQuery('gpa 0xzz'), /"0xzz" is not an address/);
  assert.throws(() => parseFilterQuery('asid one'), /"asid" needs a number/);
  assert.throws(() => parseFilterQuery('colour red'), /unknown criterion "colour"/);
});

test('a bare address or range means that address in any space', () => {
  assert.deepEqual(parseFilterQuery('0x1000'), { start: '0x1000' });
  assert.deepEqual(parseFilterQuery('0x1000-0x1fff family vhost'), { start: '0x1000', last: '0x1fff', family: 'vhost' });
  assert.throws(() => parseFilterQuery('0x10zz'), /unknown criterion "0x10zz"/);
});
