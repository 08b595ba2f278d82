// `launch` through the standalone adapter: QEMU started by us (no shell, private QMP socket and
// gdbstub port), held at reset with -S so the vCPU's program counter is known, and gone after
// disconnect. A missing executable fails the launch with a message naming it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { buildAdapter, startAdapter, TEST } from './dapHarness.js';

before(() => {
  buildAdapter();
  const q = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  assert.equal(q.status, 0, 'qemu-system-x86_64 must be installed (scripts/install-system-deps.sh)');
});

const adapter = (): Promise<DebugClient> => startAdapter();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('launch holds QEMU at reset: one vCPU at rip 0xfff0; disconnect ends QEMU', TEST, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-launch-'));
  const dc = await adapter();
  try {
    // A space inside one argument must reach QEMU as one argument (no shell): the pid file path has one.
    const pidFile = join(dir, 'qemu pid');
    const args = ['-M', 'q35', '-accel', 'tcg', '-m', '64', '-nographic', '-nodefaults', '-S', '-pidfile', pidFile];
    const [stopped] = await Promise.all([
      dc.waitForEvent('stopped'),
      dc.launchRequest({ qemu: 'qemu-system-x86_64', args } as DebugProtocol.LaunchRequestArguments),
    ]);
    assert.equal(stopped.body.reason, 'entry');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.ok(alive(pid), `QEMU ${pid} runs`);
    const threads = (await dc.threadsRequest()).body.threads;
    assert.deepEqual(threads.map((t) => t.id), [1]);
    const [frame] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frame!.name, 'vCPU 0 @ 0xfff0', 'x86 reset vector: CS base 0xffff0000, rip 0xfff0');
    await dc.disconnectRequest({});
    const t0 = Date.now();
    while (alive(pid) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!alive(pid), 'QEMU is gone after disconnect');
  } finally {
    await dc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('launch with a missing QEMU executable fails naming it', TEST, async () => {
  const dc = await adapter();
  try {
    await assert.rejects(
      dc.launchRequest({ qemu: '/nonexistent/qemu-system-x86_64', args: [] } as DebugProtocol.LaunchRequestArguments),
      /cannot start QEMU "\/nonexistent\/qemu-system-x86_64": no such executable/,
    );
  } finally {
    await dc.stop();
  }
});

test('launch whose QEMU dies at start-up reports QEMU\'s own message', TEST, async () => {
  const dc = await adapter();
  try {
    await assert.rejects(
      dc.launchRequest({ qemu: 'qemu-system-x86_64', args: ['-M', 'no-such-machine'] } as DebugProtocol.LaunchRequestArguments),
      /QEMU exited during start-up \(code 1\): qemu-system-x86_64: unsupported machine type/,
    );
  } finally {
    await dc.stop();
  }
});

test('a single step at the reset vector lands where the firmware\'s first instruction jumps', TEST, async () => {
  const dc = await adapter();
  try {
    const args = ['-M', 'q35', '-accel', 'tcg', '-m', '64', '-nographic', '-nodefaults', '-S'];
    await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ qemu: 'qemu-system-x86_64', args } as DebugProtocol.LaunchRequestArguments)]);
    // The reset vector is the top 16 bytes below 4 GiB; x86 firmware puts a far jump there.
    const bytes = Buffer.from((await dc.customRequest('readMemory', { memoryReference: 'gpa:0xfffffff0', count: 5 })).body.data, 'base64');
    assert.equal(bytes[0], 0xea, `far jmp ptr16:16 at the reset vector, got ${bytes.toString('hex')}`);
    const target = bytes.readUInt16LE(1);
    const [stopped, response] = await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
    assert.equal(response.success, true);
    assert.equal(stopped.body.reason, 'step');
    const [frame] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.equal(frame!.name, `vCPU 0 @ 0x${target.toString(16)}`);
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});
