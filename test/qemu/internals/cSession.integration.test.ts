// The second transport of QEMU's internals: the user's own C debug session. Eclipse CDT's GDB
// debug adapter (over DAP, driven as an editor drives it) attaches real gdb to a real QEMU built
// with debug information; QEMU stops at a breakpoint in address_space_read_full (hit by HMP `xp`
// while the VM is paused, so guest DMA changes nothing between reads). QMP cannot answer then;
// the internals read through the session must equal the headless gdb's, and the hover's answer
// must equal what QMP says once QEMU runs again. Bad cases: readMemory refused, an adapter without
// readMemory, a session that runs again.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startGuest, type Guest } from '../../harness/guest.js';
import { debugQemu } from '../../harness/debugQemu.js';
import { attachCdt, type CdtSession } from '../../harness/cdtGdb.js';
import { QmpClient } from '../../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../../src/qemu/qmp/qemuMonitor.js';
import { TimeoutError } from '../../../src/qemu/errors.js';
import { CSessionError, CSessionMemory, readInternalsFrom, readInternalsThroughSession, readQemuInternals, type CSessionMemoryOptions } from '../../../src/qemu/internals/index.js';
import type { QemuInternals } from '../../../src/model/qemuInternals.js';
import { resolveInternalsEverywhere } from '../../../src/model/internalsSource.js';
import { hex } from '../../../src/model/u64.js';
import { rejectionGuard } from '../fakePeers.js';

const guard = rejectionGuard();
after(() => {
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

const GPA = 0x123450n;

test('Debian\'s stripped QEMU in a C session: refused as having no debug information, saying how to get it', async () => {
  const q = spawn('qemu-system-x86_64', ['-M', 'q35', '-accel', 'tcg', '-display', 'none', '-S', '-monitor', 'none', '-serial', 'none', '-nodefaults'], { stdio: 'ignore' });
  await new Promise<void>((r, j) => {
    q.once('spawn', r);
    q.once('error', j);
  });
  let s: CdtSession | undefined;
  try {
    s = await attachCdt(q.pid!, '/usr/bin/qemu-system-x86_64', []);
    const stop = s.nextStop();
    await s.dc.pauseRequest({ threadId: 1 });
    const frameId = (await s.topFrame(await stop)).id;
    await assert.rejects(
      readInternalsThroughSession(s.requester, { session: 'stripped', adapter: 'gdb', frameId, supportsReadMemory: s.capabilities.supportsReadMemoryRequest, isStopped: s.stopped }),
      (e: Error) => e instanceof CSessionError && e.reason === 'no-debug-info' && /knows no AddressSpace type \(it answered "[^"]+"\): QEMU has no debug information there.*--enable-debug-info.*debuginfod/.test(e.message),
    );
  } finally {
    await s?.close();
    q.kill('SIGKILL');
  }
});
const withoutTiming = ({ stoppedMs: _s, ...rest }: QemuInternals): Omit<QemuInternals, 'stoppedMs'> => rest;

for (const line of ['7.2', '10.0'] as const) {
  describe(`QEMU ${line} stopped in a C debug session (cdt-gdb-adapter over DAP)`, () => {
    let guest: Guest;
    let mon: QemuMonitor;
    let s: CdtSession;
    let frameId: number;
    let thread: number;
    let headless: QemuInternals;
    let xp: Promise<string>;
    const opts = (o: Partial<CSessionMemoryOptions> = {}): CSessionMemoryOptions => ({
      session: `QEMU ${line}`,
      adapter: 'gdb',
      frameId,
      pid: guest.pid,
      supportsReadMemory: s.capabilities.supportsReadMemoryRequest,
      isStopped: s.stopped,
      ...o,
    });

    before(async () => {
      const qemu = debugQemu(line);
      guest = await startGuest({ qemu });
      mon = new QemuMonitor(await QmpClient.connect(`unix:${guest.qmpPath}`));
      // the VM paused: no guest DMA fills the IOTLB or remaps RAM between the two transports' reads
      await mon.stop();
      headless = await readQemuInternals(guest.pid);
      s = await attachCdt(guest.pid, qemu, ['address_space_read_full']);
      let stop = s.nextStop();
      // QEMU's main loop runs the monitor: `xp` reads guest memory through address_space_read_full
      xp = mon.qmp.execute('human-monitor-command', { 'command-line': `xp /1xb ${hex(GPA)}` }, { timeoutMs: 600_000 }) as Promise<string>;
      xp.catch(() => undefined);
      thread = await stop;
      // another caller may hit the breakpoint first: on until the stop is the one xp asked for
      for (let hits = 1; ; hits++) {
        frameId = (await s.topFrame(thread)).id;
        const addr = (await s.dc.evaluateRequest({ expression: 'addr', frameId, context: 'watch' })).body.result;
        if (BigInt(addr) === GPA) break;
        assert.ok(hits < 100, `address_space_read_full stopped ${hits} times, never for xp's GPA`);
        stop = s.nextStop();
        await s.resume(thread);
        thread = await stop;
      }
    });

    after(async () => {
      await s?.close();
      mon?.qmp.close();
      await guest?.dispose();
    });

    test('QMP cannot answer while QEMU is stopped at the breakpoint', async () => {
      assert.equal(s.stopped(), true);
      await assert.rejects(mon.qmp.execute('query-status', undefined, { timeoutMs: 3000 }), TimeoutError);
    });

    test('the internals read through the session equal the headless gdb\'s read of the same paused QEMU', async () => {
      const mem = await CSessionMemory.open(s.requester, opts());
      const t0 = performance.now();
      const via: QemuInternals = { ...(await readInternalsFrom(mem)), stoppedMs: 0 };
      console.log(`# QEMU ${line} through the C session: ${mem.counts.evaluate} evaluate + ${mem.counts.readMemory} readMemory requests, ${(performance.now() - t0).toFixed(0)} ms`);
      assert.equal((await readInternalsThroughSession(s.requester, opts())).stoppedMs, 0, 'IOVA Lens stopped nothing: the user holds QEMU');
      assert.ok(via.ramBlocks.some((b) => b.name === 'pc.ram'));
      assert.ok(via.vtd !== null && via.vtd.iotlb.length > 0, 'the boot filled the VT-d IOTLB');
      assert.deepEqual(withoutTiming(via), withoutTiming(headless));
      // layouts are asked once, not once per structure read
      const asked = mem.counts.evaluate;
      await mem.offsetOf('RAMBlock', 'host');
      assert.equal(mem.counts.evaluate, asked);
    });

    test('the hover\'s answer for the frame\'s `addr`: GPA → HVA, the HVA QMP\'s gpa2hva gives once QEMU runs', async () => {
      const via = await readInternalsThroughSession(s.requester, opts());
      const [main, ...others] = resolveInternalsEverywhere(via, GPA);
      assert.deepEqual(main!.hops.map((h) => h.space), ['gpa', 'hva']);
      assert.equal(main!.hops[0]!.owner, 'pc.ram');
      assert.match(main!.hops[1]!.owner ?? '', /^RAMBlock 'pc\.ram' \+0x123450$/);
      // while paused, the expected value comes from the headless read's RAM block (QMP is stuck)
      const pcRam = headless.ramBlocks.find((b) => b.name === 'pc.ram')!;
      assert.equal(main!.hops[1]!.addr, pcRam.host + GPA);
      assert.ok(others.every((a) => a.hops[0]!.space !== 'gpa'));
    });

    test('readMemory refused by the adapter (an unmapped address): a clear error naming the bytes', async () => {
      const mem = await CSessionMemory.open(s.requester, opts());
      await assert.rejects(mem.read(0x10n, 8), (e: Error) => e instanceof CSessionError && e.reason === 'refused' && /^reading QEMU through the debug session "QEMU [\d.]+": reading 8 bytes at 0x10: .*(?:Cannot access memory|Unable to read memory)/i.test(e.message));
    });

    test('an adapter without readMemory: refused up front with what to do', async () => {
      await assert.rejects(readInternalsThroughSession(s.requester, opts({ supportsReadMemory: false })), (e: Error) => e instanceof CSessionError && e.reason === 'no-read-memory' && /does not support DAP's readMemory.*iova-lens snapshot --qemu-pid/.test(e.message));
    });

    test('a plain read only: a call into QEMU is never sent to the debugger', async () => {
      const mem = await CSessionMemory.open(s.requester, opts());
      const before = mem.counts.evaluate;
      await assert.rejects(mem.evaluate('qemu_get_cpu(0)'), /only plain reads, never calls into QEMU/);
      assert.equal(mem.counts.evaluate, before);
    });

    test('once the session runs again: refused (not stopped), and QMP answers again with the same HVA', async () => {
      const mem = await CSessionMemory.open(s.requester, opts());
      // one that does not track stops: what the adapter itself answers while QEMU runs
      const untracked = await CSessionMemory.open(s.requester, opts({ isStopped: undefined }));
      await s.resume(thread);
      assert.equal(s.stopped(), false);
      await assert.rejects(mem.evaluate('ram_list.blocks.lh_first'), (e: Error) => e instanceof CSessionError && e.reason === 'running' && /is not stopped/.test(e.message));
      await assert.rejects(readInternalsThroughSession(s.requester, opts()), (e: Error) => e instanceof CSessionError && e.reason === 'running');
      // the adapter's own answer while QEMU runs (no stop tracking at all): still refused, never a number
      await assert.rejects(untracked.evaluate('ram_list.blocks.lh_first'), (e: Error) => {
        console.log(`# the adapter while QEMU runs: ${e.message}`);
        return e instanceof CSessionError && (e.reason === 'running' || e.reason === 'refused');
      });
      await xp;
      assert.equal((await mon.gpa2hva(GPA)).hva, headless.ramBlocks.find((b) => b.name === 'pc.ram')!.host + GPA);
    });
  });
}
