// How long a `snapshot --qemu-pid` stops QEMU (part 9, goal ≤ 500 ms): the real test guest on
// QEMU 7.2 built with debug info, read through a headless gdb. The baseline, measured in the
// same run, is gdb attaching and detaching with nothing read: the ratio says what the reads add.
import { startGuest } from '../test/harness/guest.js';
import { debugQemu } from '../test/harness/debugQemu.js';
import { GdbQemuMemory, readQemuInternals } from '../src/qemu/internals/index.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runInternalsBench(runs = 7): Promise<{ stoppedMs: number; bareMs: number }> {
  const guest = await startGuest({ qemu: debugQemu('7.2') });
  try {
    const stopped: number[] = [];
    const total: number[] = [];
    const bare: number[] = [];
    let last;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      last = await readQemuInternals(guest.pid);
      total.push(performance.now() - t0);
      stopped.push(last.stoppedMs);
      const mem = await GdbQemuMemory.open(guest.pid);
      try {
        await mem.attach();
        await mem.detach();
        bare.push(mem.stoppedMs);
      } finally {
        await mem.close();
      }
    }
    const s = median(stopped);
    const b = median(bare);
    const ranges = last!.addressSpaces.reduce((n, a) => n + a.ranges.length, 0);
    console.log(`internals (QEMU 7.2 debug build, ${last!.ramBlocks.length} RAM blocks, ${last!.addressSpaces.length} address spaces / ${ranges} ranges, ${last!.vtd?.iotlb.length ?? 0} IOTLB entries):`);
    console.log(`  QEMU stopped: median of ${runs} ${s.toFixed(0)} ms, max ${Math.max(...stopped).toFixed(0)} ms (goal ≤ 500 ms)`);
    console.log(`  attach + detach alone: median ${b.toFixed(0)} ms; the reads add ×${(s / b).toFixed(2)}`);
    console.log(`  whole snapshot incl. starting gdb and reading layouts: median ${median(total).toFixed(0)} ms`);
    return { stoppedMs: s, bareMs: b };
  } finally {
    await guest.dispose();
  }
}
