import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHexDump } from '../../src/extension/memory/hexDump.js';

const header = { reference: 'giova:00:03.0:0xffeb8000', start: 0xffeb8000n, rangeBytes: 4096n, when: 'vCPUs stopped (pause)' };

test('one line per 16 bytes: the address in its space, the bytes in hex, printable ASCII', () => {
  const bytes = new Uint8Array(4096);
  bytes.set([0x00, 0x41, 0x42, 0x7f, 0x20, 0xff], 0);
  bytes[4095] = 0x7a;
  const text = formatHexDump(header, [{ offset: 0, bytes }]);
  const lines = text.split('\n');
  assert.equal(lines[0], '# giova:00:03.0:0xffeb8000: 4 KiB, read when the vCPUs stopped (pause)');
  const rows = lines.filter((l) => /^[0-9a-f]{8} {2}/.test(l));
  assert.equal(rows.length, 256, '4096 bytes are 256 rows, not one more (no read past the page)');
  assert.equal(rows[0], 'ffeb8000  00 41 42 7f 20 ff 00 00  00 00 00 00 00 00 00 00  |.AB. ...........|');
  assert.equal(rows[255], 'ffeb8ff0  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 7a  |...............z|');
});

test('a range bigger than what is shown says so; an unreadable piece says why; 64-bit addresses keep 16 digits', () => {
  const text = formatHexDump({ reference: 'gpa:0x100000000', start: 0x100000000n, rangeBytes: 0x80000000n, when: 'vCPUs stopped (entry)' }, [
    { offset: 0, bytes: new Uint8Array([1, 2, 3]) },
    { offset: 16, count: 4096, error: 'gpa:0x100000010: not RAM' },
  ]);
  assert.match(text, /^# gpa:0x100000000: 4 KiB \(0x1003\) \(the first of 2 GiB\)/);
  const lines = text.split('\n');
  assert.ok(lines.includes(`0000000100000000  ${'01 02 03'.padEnd(48)}  |...|`), text);
  assert.ok(lines.includes('0000000100000010  <4 KiB unreadable: gpa:0x100000010: not RAM>'), text);
});
