import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRamBlocks } from '../../src/qemu/parse/ramblock.js';
import { sampleText } from './sampleAnswers.js';

test('7.2 info ramblock (no HVA column), names wider than the 24-column field', () => {
  const blocks = parseRamBlocks(sampleText('info ramblock'));
  assert.equal(blocks.length, 9);
  assert.deepEqual(blocks[0], {
    name: 'pc.ram', pageSize: 4096n, offset: 0n, usedLen: 0x20000000n, maxLen: 0x20000000n, hva: undefined, readonly: undefined,
  });
  const rom = blocks.find((b) => b.name === '0000:00:02.0/virtio-net-pci.rom')!;
  assert.equal(rom.offset, 0x210c0000n);
  assert.equal(rom.usedLen, 0x40000n);
  const acpi = blocks.find((b) => b.name === '/rom@etc/acpi/tables')!;
  assert.equal(acpi.usedLen, 0x20000n);
  assert.equal(acpi.maxLen, 0x200000n);
});

test('≥ 8.0 info ramblock with HVA and RO columns (format of the 8.0 patch)', () => {
  const text = [
    '              Block Name    PSize              Offset               Used              Total                HVA  RO',
    '                  pc.ram    2 MiB  0x0000000000000000 0x0000000400000000 0x0000000400000000 0x00007f12ebe00000  rw',
    '                 pc.bios    4 KiB  0x0000000400000000 0x0000000000040000 0x0000000000040000 0x00007f13ac000000  ro',
    '0000:00:02.0/virtio-net-pci.rom    4 KiB  0x0000000400080000 0x0000000000040000 0x0000000000040000 0x00007f13a8e00000  ro',
    '',
  ].join('\r\n');
  const blocks = parseRamBlocks(text);
  assert.equal(blocks.length, 3);
  assert.equal(blocks[0].pageSize, 2n * 1024n * 1024n);
  assert.equal(blocks[0].usedLen, 16n << 30n);
  assert.equal(blocks[0].hva, 0x7f12ebe00000n);
  assert.equal(blocks[0].readonly, false);
  assert.equal(blocks[1].readonly, true);
  assert.equal(blocks[2].name, '0000:00:02.0/virtio-net-pci.rom');
  assert.equal(blocks[2].hva, 0x7f13a8e00000n);
});

test('rows that do not fit the header or the grammar are errors naming the line', () => {
  const hdr = '              Block Name    PSize              Offset               Used              Total';
  assert.throws(
    () => parseRamBlocks(`${hdr}\n pc.ram    4 KiB  0x0000000000000000 0x0000000020000000 0x0000000020000000 0x00007f12ebe00000  rw\n`),
    /info ramblock, line 2: row has HVA\/RO columns/,
  );
  assert.throws(() => parseRamBlocks(`${hdr}\n pc.ram 4 KiB 0x0 0x1 0x2\n`), /info ramblock, line 2: not a RAM block row/);
});
