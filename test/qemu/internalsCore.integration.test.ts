// A core of QEMU read like the live process (`snapshot --qemu-core CORE --qemu-exe EXE`): the
// debug builds of QEMU 7.2 and 10.0, held with -S so nothing changes between the reads, dumped
// with gdb's gcore (QEMU's private memory only: coredump_filter 0x11, guest RAM shared), then read
// from the core and from the process — the same answer. A core read with another binary, a file
// that is no core and a missing core are refused with what to do.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { debugQemu } from '../harness/debugQemu.js';
import { runCliChild } from '../harness/runCliChild.js';

const run = promisify(execFile);

interface Internals {
  ramBlocks: unknown[];
  addressSpaces: unknown[];
  vhost: unknown[];
}

for (const line of ['7.2', '10.0'] as const) {
  describe(`a core of QEMU ${line} (debug build)`, () => {
    let dir: string;
    let qemu: ChildProcess;
    let core: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'iova-lens-core-'));
      qemu = spawn(debugQemu(line), ['-M', 'q35,memory-backend=mem0', '-accel', 'tcg,tb-size=16', '-m', '64M', '-S', '-display', 'none', '-nodefaults', '-object', 'memory-backend-memfd,id=mem0,size=64M,share=on', '-device', 'virtio-net-pci,netdev=n0', '-netdev', 'user,id=n0'], {
        stdio: 'ignore',
        env: { ...process.env, MALLOC_ARENA_MAX: '1' },
      });
      await new Promise<void>((resolve, reject) => {
        qemu.once('spawn', resolve);
        qemu.once('error', reject);
      });
      writeFileSync(`/proc/${qemu.pid}/coredump_filter`, '0x11');
      core = join(dir, 'core');
      // gdb must wait until QEMU has built its machine: -S stops the vCPUs only after that
      const gdbArgs = ['-nx', '-batch', '--readnever', '-iex', 'set auto-load off', '-ex', 'set auto-solib-add off', '-ex', `attach ${qemu.pid}`, '-ex', `gcore ${core}`, '-ex', 'detach'];
      for (let tries = 0; ; tries++) {
        const probe = await runCliChild(['snapshot', '--qemu-pid', String(qemu.pid), '--json']);
        if (probe.code === 0) break;
        assert.ok(tries < 20, `QEMU ${line} never became readable: ${probe.stderr}`);
      }
      await run('gdb', gdbArgs);
    });

    after(() => {
      qemu?.kill('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('snapshot --qemu-core gives what --qemu-pid gives: RAM blocks, every FlatView, vhost devices', async () => {
      assert.ok(statSync(core).size < 256 << 20, `the core holds QEMU's private memory only (${statSync(core).size} bytes)`);
      const fromCore = await runCliChild(['snapshot', '--qemu-core', core, '--qemu-exe', debugQemu(line), '--json']);
      assert.equal(fromCore.code, 0, fromCore.stderr);
      const live = await runCliChild(['snapshot', '--qemu-pid', String(qemu.pid), '--json']);
      assert.equal(live.code, 0, live.stderr);
      const a = (JSON.parse(fromCore.stdout) as { internals: Internals }).internals;
      const b = (JSON.parse(live.stdout) as { internals: Internals }).internals;
      assert.ok(a.ramBlocks.length >= 3);
      assert.deepEqual({ ramBlocks: a.ramBlocks, addressSpaces: a.addressSpaces, vhost: a.vhost }, { ramBlocks: b.ramBlocks, addressSpaces: b.addressSpaces, vhost: b.vhost });
      const text = await runCliChild(['snapshot', '--qemu-core', core, '--qemu-exe', debugQemu(line)]);
      assert.match(text.stdout, new RegExp(`^QEMU internals \\(pid ${qemu.pid}, from the core ${core.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\):`));
      assert.equal(qemu.exitCode, null, 'QEMU still runs');
    });

    test('--trace cross-checks the vhost-vdpa IOVA tree with the replay, and says why when there is nothing to pair', async () => {
      const r = await runCliChild(['snapshot', '--qemu-core', core, '--qemu-exe', debugQemu(line), '--trace', 'samples/vdpa-lab-qemu-7.2-svq/trace.log', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const { crossCheck } = JSON.parse(r.stdout) as { crossCheck: { trace: string; line: number; status: string; reason: string } };
      assert.equal(crossCheck.status, 'not-compared');
      assert.equal(crossCheck.reason, 'QEMU has 0 vhost-vdpa IOVA tree(s) and the trace 1 device(s) with shadow virtqueues: only one of each can be paired');
      assert.ok(crossCheck.line > 100);
      const missing = await runCliChild(['snapshot', '--qemu-core', core, '--qemu-exe', debugQemu(line), '--trace', join(dir, 'no-trace')]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /cannot read the trace .*no-trace: ENOENT/);
      const usage = await runCliChild(['snapshot', '--qmp', 'unix:/nonexistent', '--trace', 'x.log']);
      assert.notEqual(usage.code, 0);
      assert.match(usage.stderr, /--trace goes with --qemu-pid PID or --qemu-core/);
    });

    test('a core read with another QEMU binary, a file that is no core, no core at all: refused, saying why', async () => {
      const other = debugQemu(line === '7.2' ? '10.0' : '7.2');
      const wrong = await runCliChild(['snapshot', '--qemu-core', core, '--qemu-exe', other, '--json']);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /core .*: not taken of .*\(gdb: core file may not match specified executable file\): give the QEMU binary the core was dumped from/);
      assert.equal(wrong.stdout, '');
      const notCore = join(dir, 'not-a-core');
      writeFileSync(notCore, 'hello\n');
      const bad = await runCliChild(['snapshot', '--qemu-core', notCore, '--qemu-exe', debugQemu(line)]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /not-a-core: not a core gdb can read: .*not a core dump/);
      const missing = await runCliChild(['snapshot', '--qemu-core', join(dir, 'nothing'), '--qemu-exe', debugQemu(line)]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /core .*nothing: no such file/);
      const noExe = await runCliChild(['snapshot', '--qemu-core', core]);
      assert.notEqual(noExe.code, 0);
      assert.match(noExe.stderr, /--qemu-core needs --qemu-exe EXE/);
    });
  });
}
