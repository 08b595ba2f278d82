// A full live snapshot (mtree, ramblocks, every queue, every VT-d walk, next chains) of the
// real test guest (QEMU 7.2 under TCG), timed. Goal: ≤ 250 ms. Prints the QMP and gdbstub round
// trips too, since on a remote QEMU those dominate. Registered by bench/index.ts (lead).
import { startGuest } from '../test/harness/guest.js';
import { QmpClient } from '../src/qemu/qmp/qmpClient.js';
import { GdbClient } from '../src/qemu/gdb/gdbClient.js';
import { takeSnapshot } from '../src/qemu/snapshot/index.js';

export interface SnapshotBenchResult {
  firstMs: number;
  medianMs: number;
  maxMs: number;
  qmp: number;
  gdb: number;
  pages: number;
  withoutGdbMs: number;
}

export async function runSnapshotBench(runs = 20): Promise<SnapshotBenchResult> {
  const guest = await startGuest();
  try {
    const qmp = await QmpClient.connect(`unix:${guest.qmpPath}`);
    const gdb = await GdbClient.connect(`tcp:127.0.0.1:${guest.gdbPort}`);
    try {
      const times: number[] = [];
      let last = await takeSnapshot({ qmp, gdb });
      const firstMs = last.elapsedMs;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        last = await takeSnapshot({ qmp, gdb });
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const t0 = performance.now();
      await takeSnapshot({ qmp });
      const withoutGdbMs = performance.now() - t0;
      const res: SnapshotBenchResult = {
        firstMs,
        medianMs: times[Math.floor(times.length / 2)]!,
        maxMs: times[times.length - 1]!,
        qmp: last.counts.qmp,
        gdb: last.counts.gdb,
        pages: last.counts.pages,
        withoutGdbMs,
      };
      const queues = last.virtio.reduce((n, v) => n + v.queues.length, 0);
      console.log(`snapshot (QEMU ${last.qemu.version}, ${last.virtio.length} virtio devices, ${queues} queues, ${3 * queues} ring walks):`);
      console.log(`  first ${res.firstMs.toFixed(1)} ms, median of ${runs} ${res.medianMs.toFixed(1)} ms, max ${res.maxMs.toFixed(1)} ms (goal ≤ 250 ms)`);
      console.log(`  ${res.qmp} QMP round trips, ${res.gdb} gdbstub round trips, ${res.pages} guest pages read`);
      console.log(`  without gdbstub: ${res.withoutGdbMs.toFixed(1)} ms`);
      return res;
    } finally {
      await gdb.close();
      qmp.close();
    }
  } finally {
    await guest.dispose();
  }
}

