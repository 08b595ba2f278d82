// What a user reads when the read of QEMU's process cannot happen. The yama ptrace_scope refusal
// cannot be produced on this kernel (no Yama LSM), so its message is checked from gdb's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PtraceRefusedError } from '../../../src/qemu/internals/errors.js';

test('ptrace refused by ptrace_scope: says who may attach and the three ways out', () => {
  const e = new PtraceRefusedError(1234, 'ptrace: Operation not permitted.');
  assert.equal(e.tracer, undefined);
  assert.match(e.message, /^cannot attach to QEMU \(pid 1234\): ptrace: Operation not permitted\. Only QEMU's parent or a privileged user may attach when kernel\.yama\.ptrace_scope is 1/);
  assert.match(e.message, /CAP_SYS_PTRACE/);
  assert.match(e.message, /sysctl kernel\.yama\.ptrace_scope=0/);
  assert.match(e.message, /let IOVA Lens start QEMU/);
});

test('ptrace refused because another debugger traces QEMU: names that process, no ptrace_scope advice', () => {
  const e = new PtraceRefusedError(1234, 'warning: process 1234 is already traced by process 999\nptrace: Operation not permitted.');
  assert.equal(e.tracer, 999);
  assert.match(e.message, /already traced by process 999 \(a debugger such as gdb or strace\); ptrace allows one tracer at a time/);
  assert.doesNotMatch(e.message, /ptrace_scope|\n/);
});
