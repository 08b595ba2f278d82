// A real QEMU 7.2 guest for integration tests: q35 + intel-iommu, virtio-net and virtio-blk
// behind the vIOMMU (iommu_platform=on, ats=on), QMP on a unix socket, gdbstub on TCP, trace
// log to a file. QEMU is always killed and the temp dir removed in dispose().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInitramfs, findKernel, READY_MARKER } from './initramfs.js';
import { freeLoopbackPort } from '../../src/qemu/endpoint.js';

export interface GuestOptions {
  memMiB?: number;
  /** Wait for the guest's ready marker before resolving (default true). */
  waitReady?: boolean;
  bootTimeoutMs?: number;
  traceEvents?: string[];
  /** QEMU executable (default qemu-system-x86_64 from PATH; the internals suite boots a debug build) */
  qemu?: string;
}

export interface Guest {
  qmpPath: string;
  gdbPort: number;
  tracePath: string;
  dir: string;
  pid: number;
  /** Milliseconds from spawn to the ready marker (undefined when not waited for). */
  bootMs: number | undefined;
  consoleText(): string;
  waitForConsole(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  /** True once the QEMU process has exited. */
  exited(): boolean;
  kill(signal?: NodeJS.Signals): void;
  dispose(): Promise<void>;
}

export const DEFAULT_TRACE_EVENTS = [
  'vtd_dmar_enable',
  'vtd_dmar_translate',
  'vtd_dmar_fault',
  'vtd_iotlb_page_update',
  'vtd_ce_not_present',
  'vtd_re_not_present',
  'virtio_set_status',
  'virtio_queue_notify',
];

const QEMU = 'qemu-system-x86_64';

function requireQemu(qemu: string): void {
  const r = spawnSync(qemu, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${qemu} is not runnable (${r.error?.message ?? r.stderr}); install it with scripts/install-system-deps.sh`);
  }
}

// Every QEMU we start, so a crashing test runner does not leave guests behind.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startGuest(opts: GuestOptions = {}): Promise<Guest> {
  const qemu = opts.qemu ?? QEMU;
  requireQemu(qemu);
  const kernel = findKernel();
  const initrd = buildInitramfs(kernel);
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-guest-'));
  const qmpPath = join(dir, 'qmp.sock');
  const tracePath = join(dir, 'trace.log');
  const eventsPath = join(dir, 'trace-events');
  const diskPath = join(dir, 'disk.raw');
  writeFileSync(eventsPath, (opts.traceEvents ?? DEFAULT_TRACE_EVENTS).join('\n') + '\n');
  // A 1 MiB disk with a recognisable pattern, so reads through virtio-blk move real data.
  writeFileSync(diskPath, Buffer.alloc(1 << 20, 0xa5));
  const gdbPort = await freeLoopbackPort();
  const args = [
    '-M', 'q35', '-accel', 'tcg', '-m', String(opts.memMiB ?? 512), '-nographic', '-no-reboot',
    '-device', 'intel-iommu,intremap=off,caching-mode=on,device-iotlb=on',
    '-netdev', 'user,id=n0,restrict=on',
    '-device', 'virtio-net-pci,netdev=n0,iommu_platform=on,ats=on,disable-legacy=on',
    '-drive', `if=none,id=d0,file=${diskPath},format=raw`,
    '-device', 'virtio-blk-pci,drive=d0,iommu_platform=on,ats=on,disable-legacy=on',
    '-kernel', kernel.vmlinuz, '-initrd', initrd,
    '-append', 'console=ttyS0 intel_iommu=on iommu.strict=0 quiet panic=-1',
    '-qmp', `unix:${qmpPath},server=on,wait=off`,
    '-gdb', `tcp:127.0.0.1:${gdbPort}`,
    '-trace', `events=${eventsPath},file=${tracePath}`,
  ];
  const t0 = performance.now();
  const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let consoleBuf = '';
  let stderr = '';
  let exitCode: number | null | undefined;
  const waiters = new Set<() => void>();
  const poke = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (s: string) => {
    consoleBuf += s;
    poke();
  });
  child.stderr!.on('data', (s: string) => {
    stderr += s;
    poke();
  });
  const exitedP = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      live.delete(child);
      resolve();
      poke();
    }),
  );
  child.once('error', (e) => {
    stderr += `\nspawn error: ${e.message}`;
    exitCode = -1;
    poke();
  });

  const waitForConsole = (re: RegExp, ms: number): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = consoleBuf.match(re);
        if (m) {
          done();
          resolve(m);
        } else if (exitCode !== undefined) {
          done();
          reject(new Error(`QEMU exited (code ${exitCode}) before the console showed ${re}; stderr: ${stderr.trim().slice(-500)}; console tail: ${consoleBuf.slice(-500)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`console did not show ${re} within ${ms} ms; console tail: ${consoleBuf.slice(-800)}`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const kill = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    if (exitCode === undefined) child.kill(signal);
  };
  const dispose = async (): Promise<void> => {
    kill('SIGKILL');
    await Promise.race([exitedP, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  };

  const guest: Guest = {
    qmpPath, gdbPort, tracePath, dir, pid: child.pid ?? -1, bootMs: undefined,
    consoleText: () => consoleBuf,
    waitForConsole,
    exited: () => exitCode !== undefined,
    kill,
    dispose,
  };
  try {
    // The QMP socket exists once QEMU has parsed its options and created its chardevs.
    const deadline = Date.now() + 10_000;
    while (!existsSync(qmpPath)) {
      if (exitCode !== undefined) throw new Error(`QEMU exited (code ${exitCode}) at start: ${stderr.trim().slice(-800)}`);
      if (Date.now() > deadline) throw new Error(`QEMU did not create ${qmpPath} within 10 s; stderr: ${stderr.trim().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (opts.waitReady ?? true) {
      await waitForConsole(new RegExp(READY_MARKER), opts.bootTimeoutMs ?? 120_000);
      guest.bootMs = performance.now() - t0;
    }
    return guest;
  } catch (e) {
    await dispose();
    throw e;
  }
}
