import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, decodeBody, encodePacket, PacketReceiver } from '../../src/qemu/gdb/packet.js';

test('frames carry the mod-256 sum of the escaped payload as two lower-case hex digits', () => {
  // "OK": 0x4f + 0x4b = 0x9a
  assert.equal(encodePacket('OK').toString('latin1'), '$OK#9a');
  assert.equal(encodePacket('qSupported').toString('latin1'), '$qSupported#37');
  assert.equal(checksum(Buffer.from('m0,4')), (0x6d + 0x30 + 0x2c + 0x34) & 0xff);
});

test('the four reserved bytes are escaped as } + byte^0x20, and the checksum covers the escapes', () => {
  const f = encodePacket(Uint8Array.from([0x24, 0x23, 0x7d, 0x2a, 0x41]));
  assert.equal(f.toString('latin1'), '$}\x04}\x03}]}\x0aA#' + checksum(Buffer.from('}\x04}\x03}]}\x0aA', 'latin1')).toString(16).padStart(2, '0'));
  assert.deepEqual([...decodeBody(Buffer.from('}\x04}\x03}]}\x0aA', 'latin1'))], [0x24, 0x23, 0x7d, 0x2a, 0x41]);
});

test('run-length decoding: X*c repeats X ord(c)-29 more times', () => {
  // "0* " = '0' then 32-29 = 3 more: "0000"
  assert.equal(decodeBody(Buffer.from('0* ')).toString(), '0000');
  assert.equal(decodeBody(Buffer.from('ab*"c')).toString(), 'abbbbbbc'); // '"' = 34 → 5 more b
});

test('receiver: acks, split packets, bad checksum, garbage between packets', () => {
  const r = new PacketReceiver(1024);
  assert.deepEqual(r.push(Buffer.from('+$O')), [{ kind: 'ack' }]);
  assert.equal(r.midPacket, true);
  const ev = r.push(Buffer.from('K#9a-$OK#00'));
  assert.equal(ev.length, 3);
  assert.deepEqual(ev[0], { kind: 'packet', payload: Buffer.from('OK'), checksumOk: true });
  assert.deepEqual(ev[1], { kind: 'nak' });
  assert.deepEqual(ev[2], { kind: 'packet', payload: Buffer.from('OK'), checksumOk: false });
  const g = r.push(Buffer.from('hello'));
  assert.equal(g.length, 1);
  assert.equal(g[0].kind, 'garbage');
  const big = new PacketReceiver(8);
  assert.equal(big.push(Buffer.from('$0123456789'))[0].kind, 'garbage');
});
