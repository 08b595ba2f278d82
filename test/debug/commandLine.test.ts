// Debug-console commands and memory references as a user types them: spaces, devices and
// addresses must come out exact (u64, hex by default) and mistakes must be named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMemoryRef, parseConsoleCommand, parseMemoryRef } from '../../src/debug/commandLine.js';

test('memory references name their space; giova carries its PCI device', () => {
  assert.deepEqual(parseMemoryRef('gpa:0x7fff000'), { space: 'gpa', addr: 0x7fff000n });
  assert.deepEqual(parseMemoryRef('hva:0x7f12_3456'.replace('_', '')), { space: 'hva', addr: 0x7f123456n });
  assert.deepEqual(parseMemoryRef('giova:0:3.0:0xfffff000'), { space: 'giova', device: '00:03.0', addr: 0xfffff000n });
  assert.deepEqual(parseMemoryRef('giova:00:1f.7:0xffffffffffffffff'), { space: 'giova', device: '00:1f.7', addr: (1n << 64n) - 1n });
});

test('memory references round-trip through formatMemoryRef', () => {
  for (const s of ['gpa:0x0', 'hva:0x7f0000001000', 'giova:00:03.0:0xffffe000']) assert.equal(formatMemoryRef(parseMemoryRef(s)), s);
});

test('bad memory references say what is wrong', () => {
  assert.throws(() => parseMemoryRef('0x1000'), /names no address space/);
  assert.throws(() => parseMemoryRef('giova:0x1000'), /giova needs a PCI device/);
  assert.throws(() => parseMemoryRef('gpa:0x10000000000000000'), /larger than 2\^64-1/);
  assert.throws(() => parseMemoryRef('gpa:xyz'), /gpa:xyz/);
});

test('resolve takes an optional space and a device for giova', () => {
  assert.deepEqual(parseConsoleCommand('resolve gpa 0x1000'), { kind: 'resolve', space: 'gpa', addr: 0x1000n });
  assert.deepEqual(parseConsoleCommand('  resolve   giova ffffe000 00:04.0 '), { kind: 'resolve', space: 'giova', addr: 0xffffe000n, device: '00:04.0' });
  assert.deepEqual(parseConsoleCommand('resolve 0x7f0000000000'), { kind: 'resolve', space: 'any', addr: 0x7f0000000000n });
  assert.deepEqual(parseConsoleCommand('resolve 1000 00:03.0'), { kind: 'resolve', space: 'any', addr: 0x1000n, device: '00:03.0' });
});

test('a bare number is hex and resolves in every space', () => {
  assert.deepEqual(parseConsoleCommand('0xfee00000'), { kind: 'resolve', space: 'any', addr: 0xfee00000n });
  assert.deepEqual(parseConsoleCommand('10'), { kind: 'resolve', space: 'any', addr: 16n });
});

test('walk, mtree and help', () => {
  assert.deepEqual(parseConsoleCommand('walk 00:03.0 0xfffff000'), { kind: 'walk', device: '00:03.0', addr: 0xfffff000n });
  assert.deepEqual(parseConsoleCommand('mtree'), { kind: 'mtree' });
  assert.deepEqual(parseConsoleCommand('help'), { kind: 'help' });
});

test('mistakes in console commands are named', () => {
  assert.throws(() => parseConsoleCommand(''), /empty command/);
  assert.throws(() => parseConsoleCommand('resolve giova 0x1000'), /needs the device/);
  assert.throws(() => parseConsoleCommand('resolve gpa 0x1000 00:03.0'), /a gpa is not per device/);
  assert.throws(() => parseConsoleCommand('walk 0x1000'), /usage: walk/);
  assert.throws(() => parseConsoleCommand('walk 3.0 0x1000'), /PCI device id/);
  assert.throws(() => parseConsoleCommand('resolve gpa 0x1ffffffffffffffff'), /larger than 2\^64-1/);
  assert.throws(() => parseConsoleCommand('frobnicate'), /unknown command "frobnicate"/);
  assert.throws(() => parseConsoleCommand('mtree -f'), /takes no arguments/);
});
