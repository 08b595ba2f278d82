// The launch-under-gdb path of part 9 (debug `launch` with "qemuInternals"): the busybox test
// guest on QEMU 7.2 with debug info started as the inferior of IOVA Lens's gdb, read the way the
// adapter reads it at each stop (SIGINT, reads through /proc/PID/mem, continue). Baseline in the
// same run: the stop and continue alone, with nothing read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInitramfs, findKernel, READY_MARKER } from '../test/harness/initramfs.js';
import { debugQemu } from '../test/harness/debugQemu.js';
import { QemuUnderGdb, snapshotInternals } from '../src/qemu/internals/index.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runInternalsUnderGdbBench(runs = 7): Promise<{ stoppedMs: number; bareMs: number }> {
  const kernel = findKernel();
  const initrd = buildInitramfs(kernel);
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-bench-gdb-'));
  const disk = join(dir, 'disk.raw');
  writeFileSync(disk, Buffer.alloc(1 << 20, 0xa5));
  let serial = '';
  let ready: () => void = () => undefined;
  const booted = new Promise<void>((r) => (ready = r));
  const q = await QemuUnderGdb.start({
    qemu: debugQemu('7.2'),
    args: [
      '-M', 'q35', '-accel', 'tcg', '-m', '512', '-nographic', '-no-reboot',
      '-device', 'intel-iommu,intremap=off,caching-mode=on,device-iotlb=on',
      '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-pci,netdev=n0,iommu_platform=on,ats=on,disable-legacy=on',
      '-drive', `if=none,id=d0,file=${disk},format=raw`, '-device', 'virtio-blk-pci,drive=d0,iommu_platform=on,ats=on,disable-legacy=on',
      '-kernel', kernel.vmlinuz, '-initrd', initrd, '-append', 'console=ttyS0 intel_iommu=on iommu.strict=0 quiet panic=-1',
    ],
    onOutput: (text, stream) => {
      if (stream !== 'stdout') return;
      serial = (serial + text).slice(-4096);
      if (serial.includes(READY_MARKER)) ready();
    },
    timeoutMs: 30_000,
  });
  try {
    await Promise.race([booted, new Promise((_, j) => setTimeout(() => j(new Error(`the guest under gdb did not boot within 180 s: ${serial.slice(-500)}`)), 180_000))]);
    const mem = await q.internals();
    const stopped: number[] = [];
    const bare: number[] = [];
    let last;
    for (let i = 0; i < runs; i++) {
      last = await snapshotInternals(mem);
      stopped.push(last.stoppedMs);
      const t0 = performance.now();
      await q.stop();
      await q.resume();
      bare.push(performance.now() - t0);
    }
    const s = median(stopped);
    const b = median(bare);
    process.stdout.write(
      `internals, launch under gdb (QEMU 7.2 debug build as gdb's inferior, ${last!.ramBlocks.length} RAM blocks, ${last!.addressSpaces.length} address spaces, ${last!.vtd?.iotlb.length ?? 0} IOTLB entries):\n` +
        `  QEMU stopped: median of ${runs} ${s.toFixed(0)} ms, max ${Math.max(...stopped).toFixed(0)} ms (goal ≤ 500 ms; the first read includes gdb's frame print at the stop)\n` +
        `  stop + continue alone: median ${b.toFixed(0)} ms; the reads add ×${(s / b).toFixed(2)}\n`,
    );
    return { stoppedMs: s, bareMs: b };
  } finally {
    q.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
