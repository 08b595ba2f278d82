import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonLossless, stringifyJson } from '../../src/qemu/qmp/losslessJson.js';
import { JsonObjectStream } from '../../src/qemu/qmp/jsonStream.js';
import { parseEndpoint, formatEndpoint } from '../../src/qemu/endpoint.js';

test('lossless JSON keeps u64 exact where JSON.parse rounds', () => {
  const text = '{"addr": 12055409292258155293, "max": 18446744073709551615, "small": 4096, "neg": -1, "f": 1.5, "s": "a\\"}b\\u00e9", "l": [true, false, null]}';
  assert.notEqual(BigInt((JSON.parse(text) as { addr: number }).addr), 12055409292258155293n);
  assert.deepEqual(parseJsonLossless(text), {
    addr: 12055409292258155293n, max: 0xffff_ffff_ffff_ffffn, small: 4096, neg: -1, f: 1.5, s: 'a"}bé', l: [true, false, null],
  });
  assert.throws(() => parseJsonLossless('{"a": }'), /invalid JSON: Unexpected token '\}'/);
  assert.throws(() => parseJsonLossless('{"a": 1} x'), /invalid JSON: Unexpected non-whitespace character after JSON at position 9/);
  assert.equal(stringifyJson({ val: 0xffff_ffff_ffff_f000n, s: 'x' }), '{"val":18446744073709547520,"s":"x"}');
});

test('object stream: split by braces not lines, strings with braces, chunk boundaries anywhere', () => {
  const msgs = ['{"return": {"a": "}{\\"", "b": [1, {"c": 2}]}, "id": 1}', '{\n  "event": "STOP"\n}', '{"QMP": {}}'];
  const whole = msgs.join('\r\n') + '\r\n';
  for (const size of [1, 3, 7, whole.length]) {
    const s = new JsonObjectStream();
    const out: string[] = [];
    for (let i = 0; i < whole.length; i += size) out.push(...s.push(whole.slice(i, i + size)));
    assert.deepEqual(out, msgs, `chunk size ${size}`);
  }
  assert.throws(() => new JsonObjectStream().push('{"a":1}\r\nnot json'), /expected "\{" between messages, got "not json"/);
});

test('endpoints: unix:PATH and tcp:HOST:PORT as QEMU spells them, with clear errors', () => {
  assert.deepEqual(parseEndpoint('unix:/run/qmp.sock,server=on,wait=off'), { kind: 'unix', path: '/run/qmp.sock' });
  assert.deepEqual(parseEndpoint('tcp:localhost:1234'), { kind: 'tcp', host: 'localhost', port: 1234 });
  assert.deepEqual(parseEndpoint('tcp::1234'), { kind: 'tcp', host: '127.0.0.1', port: 1234 });
  assert.deepEqual(parseEndpoint('tcp:[::1]:1234'), { kind: 'tcp', host: '::1', port: 1234 });
  assert.equal(formatEndpoint({ kind: 'tcp', host: '::1', port: 1 }), 'tcp:[::1]:1');
  assert.throws(() => parseEndpoint('tcp:host:99999'), /bad QEMU endpoint "tcp:host:99999": port 99999 out of range/);
  assert.throws(() => parseEndpoint('tcp:host'), /missing or malformed :PORT/);
  assert.throws(() => parseEndpoint('unix:'), /empty socket path/);
  assert.throws(() => parseEndpoint('/run/qmp.sock'), /unknown scheme \(expected unix:PATH or tcp:HOST:PORT\)/);
});
