// gdb/MI output lines as gdb 13 prints them, parsed into typed records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMiLine, miQuote, MiSyntaxError } from '../../../src/qemu/internals/mi/miProtocol.js';

test('result records keep their token, class and nested values', () => {
  assert.deepEqual(parseMiLine('12^done,value="0x7f3a00001000"'), { kind: 'result', token: 12, cls: 'done', results: { value: '0x7f3a00001000' } });
  assert.deepEqual(parseMiLine('7^done,memory=[{begin="0x1000",offset="0x0000000000000000",end="0x1008",contents="0102030405060708"}]'), {
    kind: 'result',
    token: 7,
    cls: 'done',
    results: { memory: [{ begin: '0x1000', offset: '0x0000000000000000', end: '0x1008', contents: '0102030405060708' }] },
  });
  assert.deepEqual(parseMiLine('3^error,msg="ptrace: Operation not permitted."'), { kind: 'result', token: 3, cls: 'error', results: { msg: 'ptrace: Operation not permitted.' } });
  assert.deepEqual(parseMiLine('^exit'), { kind: 'result', token: undefined, cls: 'exit', results: {} });
});

test('async, stream and prompt records; C escapes including octal bytes', () => {
  assert.deepEqual(parseMiLine('=thread-group-exited,id="i1",exit-code="01"'), { kind: 'async', token: undefined, type: 'notify', cls: 'thread-group-exited', results: { id: 'i1', 'exit-code': '01' } });
  assert.deepEqual(parseMiLine('*stopped,frame={addr="0x1",args=[]},thread-id="1"'), { kind: 'async', token: undefined, type: 'exec', cls: 'stopped', results: { frame: { addr: '0x1', args: [] }, 'thread-id': '1' } });
  assert.deepEqual(parseMiLine('~"a\\tb \\"q\\" \\303\\251\\n"'), { kind: 'stream', type: 'console', text: 'a\tb "q" \xc3\xa9\n' });
  assert.deepEqual(parseMiLine('(gdb) '), { kind: 'prompt' });
  // lists of name=value results, as -stack-list-frames prints them
  assert.deepEqual(parseMiLine('1^done,stack=[frame={level="0"},frame={level="1"}]'), { kind: 'result', token: 1, cls: 'done', results: { stack: [{ frame: { level: '0' } }, { frame: { level: '1' } }] } });
});

test('non-MI lines and broken records are errors that quote the line', () => {
  assert.throws(() => parseMiLine('warning: no loadable sections found'), MiSyntaxError);
  assert.throws(() => parseMiLine('5^done,value="unterminated'), /unterminated string/);
  assert.throws(() => parseMiLine('5^bogus'), /unknown result class 'bogus'/);
});

test('arguments are quoted as C strings', () => {
  assert.equal(miQuote('sizeof(struct "x")\\'), '"sizeof(struct \\"x\\")\\\\"');
});
