// QEMU's own state read from real QEMUs 7.2 and 10.0 built with debug information (scripts/build-qemu-
// debug.sh) running the busybox guest (q35, intel-iommu, virtio-net and virtio-blk behind it):
// `snapshot --qemu-pid` must equal QMP's `info ramblock` and `info mtree -f` exactly, its VT-d
// IOTLB must agree with the guest's own tables walked through the gdbstub, QEMU must keep
// running, and the bad cases (stripped QEMU, ptrace refused, QEMU killed mid-read) must say so.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startGuest, type Guest } from '../harness/guest.js';
import { debugQemu } from '../harness/debugQemu.js';
import { runCliChild } from '../harness/runCliChild.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { GdbClient } from '../../src/qemu/gdb/gdbClient.js';
import { LiveSession, readVtdRegisters } from '../../src/qemu/snapshot/index.js';
import { walkVtd } from '../../src/model/viommu/vtdWalker.js';
import { bdfFromSid } from '../../src/model/pciAddress.js';
import { GdbQemuMemory, QemuExitedError, readInternalsFrom, readQemuInternals } from '../../src/qemu/internals/index.js';
import type { QemuMemory } from '../../src/qemu/internals/qemuMemory.js';
import { Bytes } from '../../src/qemu/internals/qemuMemory.js';
import { walkGTree } from '../../src/qemu/internals/glib/gtree.js';
import { LayoutCheckError } from '../../src/qemu/internals/errors.js';
import { rejectionGuard } from './fakePeers.js';

const guard = rejectionGuard();
after(() => {
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

interface Json {
  internals: {
    ramBlocks: { name: string; offset: string; usedLength: string; host: string }[];
    addressSpaces: { name: string; ranges: { start: string; last: string; region: string }[] }[];
    vtd: { iotlb: { domain: number; iova: string; gpa: string; perm: number }[] } | null;
    vhost: { backend: string; started: boolean; iovaTree: unknown }[];
  };
}

const hx = (v: bigint): string => '0x' + v.toString(16);

test('a stripped QEMU (Debian\'s binary): the no-debug-info message says how to get it', async () => {
  const q = spawn('qemu-system-x86_64', ['-M', 'q35', '-accel', 'tcg', '-display', 'none', '-S', '-monitor', 'none', '-serial', 'none', '-nodefaults'], { stdio: 'ignore' });
  await new Promise<void>((r, j) => {
    q.once('spawn', r);
    q.once('error', j);
  });
  try {
    const run = await runCliChild(['snapshot', '--qemu-pid', String(q.pid), '--json']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /has no debug information \(no symbol table\).*--enable-debug-info.*scripts\/build-qemu-debug\.sh.*debuginfod/);
    assert.equal(run.stdout, '');
    assert.equal(q.exitCode, null, 'the stripped QEMU still runs');
  } finally {
    q.kill('SIGKILL');
  }
});

for (const line of ['7.2', '10.0'] as const) {
  describe(`QEMU ${line} with debug info, busybox guest`, () => {
    let guest: Guest;
    let mon: QemuMonitor;

    before(async () => {
      guest = await startGuest({ qemu: debugQemu(line) });
      mon = new QemuMonitor(await QmpClient.connect(`unix:${guest.qmpPath}`));
    });

    after(async () => {
      mon?.qmp.close();
      await guest?.dispose();
    });

    test('snapshot --qemu-pid --json: RAM blocks and every FlatView equal QMP\'s answers exactly; QEMU keeps running', async () => {
      const run = await runCliChild(['snapshot', '--qemu-pid', String(guest.pid), '--json']);
      assert.equal(run.code, 0, run.stderr);
      const { internals } = JSON.parse(run.stdout) as Json;

      const blocks = await mon.ramBlocks();
      assert.ok(blocks.length >= 3, 'pc.ram, bios, option ROMs…');
      assert.deepEqual(
        internals.ramBlocks.map((b) => ({ name: b.name, offset: b.offset, usedLength: b.usedLength })),
        blocks.map((b) => ({ name: b.name, offset: hx(b.offset), usedLength: hx(b.usedLen) })),
      );
      // 7.2's `info ramblock` has no HVA column: gpa2hva of guest RAM gives pc.ram's host address
      const pcRam = internals.ramBlocks.find((b) => b.name === 'pc.ram')!;
      assert.equal(pcRam.host, hx((await mon.gpa2hva(0x100000n)).hva - 0x100000n));

      const views = await mon.mtreeFlat();
      const fromQmp = views.flatMap((v) => v.addressSpaces.map((as) => ({ name: as.name, ranges: v.ranges.map((r) => ({ start: hx(r.start), last: hx(r.last), region: r.name })) })));
      const key = (a: { name: string; ranges: unknown[] }): string => JSON.stringify(a);
      assert.deepEqual(internals.addressSpaces.map(key).sort(), fromQmp.map(key).sort());
      const sys = internals.addressSpaces.find((a) => a.name === 'memory')!;
      assert.ok(sys.ranges.some((r) => r.region === 'pc.ram'));
      assert.ok(internals.addressSpaces.some((a) => /^vtd-/.test(a.name) || a.name === 'virtio-net-pci'), 'device DMA spaces are listed');

      assert.deepEqual(internals.vhost, [], 'user-mode networking: no vhost devices');
      assert.ok(internals.vtd !== null, 'the machine has an intel-iommu');
      assert.equal((await mon.queryStatus()).running, true, 'QEMU runs again after the read');
      assert.equal(guest.exited(), false);
    });

    test('every VT-d IOTLB entry QEMU holds agrees with the guest\'s tables walked through the gdbstub', async () => {
      // the gdbstub pauses the vCPUs first, so the tables do not change between the two reads
      const gdb = await GdbClient.connect(`tcp:127.0.0.1:${guest.gdbPort}`);
      try {
        const internals = await readQemuInternals(guest.pid);
        const iotlb = internals.vtd!.iotlb;
        assert.ok(iotlb.length > 0, 'the virtio devices\' DMA filled the IOTLB during boot');
        const session = new LiveSession(mon, gdb);
        let compared = 0;
        const stale: string[] = [];
        await gdb.memory.physical(async () => {
          const vtd = await readVtdRegisters(gdb);
          assert.ok(vtd.rtaddr !== null && vtd.translationEnabled);
          for (const e of iotlb) {
            assert.ok(e.sid !== null);
            const device = bdfFromSid(e.sid);
            const r = await walkVtd({ rtaddr: vtd.rtaddr!, device, iova: e.iova, config: vtd.config }, session.reader);
            const what = `IOTLB entry sid ${hx(BigInt(e.sid))} domain ${e.domain} IOVA ${hx(e.iova)}`;
            if (!r.ok && r.kind === 'not-present') {
              // iommu.strict=0: the guest unmaps lazily and flushes later; QEMU still caches the page
              stale.push(what);
              continue;
            }
            assert.ok(r.ok, `${what}: ${r.ok ? '' : r.reason}`);
            assert.equal(r.gpa, e.gpa, what);
            assert.equal(r.domainId, e.domain, what);
            assert.equal(r.perm, e.perm, what);
            compared++;
          }
        });
        session.close();
        console.log(`# IOTLB: ${iotlb.length} entries, ${compared} equal to the walk, ${stale.length} lazily unmapped; QEMU stopped ${internals.stoppedMs.toFixed(0)} ms`);
        assert.ok(compared > 0 && compared >= iotlb.length - stale.length);
      } finally {
        await gdb.close();
      }
    });

    test('resolve --qemu-pid: a GPA in guest RAM gives the HVA gpa2hva gives, without QMP', async () => {
      const run = await runCliChild(['resolve', '--qemu-pid', String(guest.pid), '--space', 'gpa', '0x123456', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout) as { hops: { space: string; addr: string }[] };
      assert.deepEqual(out.hops.map((h) => h.space), ['gpa', 'hva']);
      assert.equal(out.hops[1]!.addr, hx((await mon.gpa2hva(0x123456n)).hva));
    });

    if (line === '7.2') {
      // 10.0's TCG keeps its TBs in QEMU's own QTree, not a GLib GTree
      test('a real GLib GTree (TCG\'s translation-block tree) walks in key order; a GHashTable walked as a GTree is refused', async () => {
        const mem = await GdbQemuMemory.open(guest.pid);
        try {
          const [treeOff, ptrOff, iommuOff, iotlbOff] = await Promise.all([
            mem.offsetOf('struct tcg_region_tree', 'tree'),
            mem.offsetOf('struct tb_tc', 'ptr'),
            mem.offsetOf('PCMachineState', 'iommu'),
            mem.offsetOf('IntelIOMMUState', 'iotlb'),
          ]);
          await mem.attach();
          const regionTrees = await mem.evaluate('region_trees');
          const tree = new Bytes(await mem.read(regionTrees + treeOff, 8), 'tcg_region_tree.tree').u64(0n);
          const entries = await walkGTree(mem, tree, 'TCG region tree 0');
          assert.ok(entries.length > 50, `the guest's boot translated code (${entries.length} TBs in region 0)`);
          // the tree orders struct tb_tc keys by host code pointer
          const ptrs = await Promise.all(entries.map(async (e) => new Bytes(await mem.read(e.key + ptrOff, 8), 'tb_tc.ptr').u64(0n)));
          for (let i = 1; i < ptrs.length; i++) assert.ok(ptrs[i]! > ptrs[i - 1]!, `TB ${i} code pointer ascends`);

          const machine = await mem.evaluate('current_machine');
          const iommu = new Bytes(await mem.read(machine + iommuOff, 8), 'iommu').u64(0n);
          const hashTable = new Bytes(await mem.read(iommu + iotlbOff, 8), 'iotlb').u64(0n);
          await assert.rejects(walkGTree(mem, hashTable, 'the IOTLB read as a GTree'), (e: Error) => e instanceof LayoutCheckError && /^the IOTLB read as a GTree: refused, the layout does not check out: /.test(e.message));
        } finally {
          await mem.close();
        }
        assert.equal((await mon.queryStatus()).running, true);
      });
    }

    test('ptrace refused (another tracer holds QEMU): a clear message saying what to do', async () => {
      const holder = await GdbQemuMemory.open(guest.pid);
      try {
        await holder.attach();
        const run = await runCliChild(['snapshot', '--qemu-pid', String(guest.pid), '--json']);
        assert.equal(run.code, 2);
        assert.match(run.stderr, new RegExp(`cannot attach to QEMU \\(pid ${guest.pid}\\): it is already traced by process \\d+ .*ptrace allows one tracer at a time`));
        assert.equal(run.stdout, '');
      } finally {
        await holder.close();
      }
      assert.equal((await mon.queryStatus()).running, true);
    });

    test('QEMU killed in the middle of the read: QemuExitedError, gdb gone, nothing half-read returned', async () => {
      const g2 = await startGuest({ qemu: debugQemu(line), waitReady: false });
      try {
        const mem = await GdbQemuMemory.open(g2.pid);
        let reads = 0;
        const killing: QemuMemory = {
          pid: mem.pid,
          sizeOf: (t) => mem.sizeOf(t),
          offsetOf: (t, f) => mem.offsetOf(t, f),
          addressOf: (s) => mem.addressOf(s),
          evaluate: (e) => mem.evaluate(e),
          read: (a, n) => {
            if (++reads === 3) process.kill(g2.pid, 'SIGKILL');
            return mem.read(a, n);
          },
        };
        try {
          await mem.attach();
          await assert.rejects(readInternalsFrom(killing), (e: Error) => e instanceof QemuExitedError && /QEMU \(pid \d+\) exited while IOVA Lens was reading it/.test(e.message));
          assert.ok(reads >= 3);
        } finally {
          await mem.close();
        }
      } finally {
        await g2.dispose();
      }
    });
  });
}
