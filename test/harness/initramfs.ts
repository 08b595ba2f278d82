// Builds (once per kernel version and script version, cached) the test guest's initramfs:
// static busybox, the Debian kernel's virtio modules, and an /init that loads them, brings
// eth0 up and keeps DMA going (ping the slirp gateway, read the virtio disk).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCpio, type CpioEntry } from './cpio.js';

/** Load order matters: each module's dependencies come first (checked with modinfo -F depends). */
export const GUEST_MODULES = [
  'virtio_ring',
  'virtio',
  'virtio_pci_modern_dev',
  'virtio_pci_legacy_dev',
  'virtio_pci',
  'failover',
  'net_failover',
  'virtio_net',
  'virtio_blk',
];

export const READY_MARKER = 'IOVA-LENS-GUEST-READY';

const INIT = `#!/bin/sh
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in ${GUEST_MODULES.join(' ')}; do
  insmod /lib/modules/$m.ko || echo "IOVA-LENS: insmod $m failed"
done
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ping -c 2 -W 2 -s 1400 10.0.2.2 && echo "IOVA-LENS: ping ok"
dd if=/dev/vda of=/dev/null bs=4096 count=16 2>/dev/null && echo "IOVA-LENS: disk ok"
echo ${READY_MARKER}
# Keep both devices doing DMA so rings, IOTLB and trace stay busy.
while true; do
  ping -c 1 -W 1 -s 1400 10.0.2.2 >/dev/null 2>&1
  dd if=/dev/vda of=/dev/null bs=4096 count=4 iflag=direct 2>/dev/null
  sleep 1
done
`;

export interface GuestKernel {
  version: string;
  vmlinuz: string;
  modulesDir: string;
}

/** The installed Debian kernel that has both an image in /boot and a module tree (newest first). */
export function findKernel(): GuestKernel {
  const images = existsSync('/boot') ? readdirSync('/boot').filter((f) => f.startsWith('vmlinuz-')) : [];
  const usable = images
    .map((f) => f.slice('vmlinuz-'.length))
    .filter((v) => existsSync(join('/lib/modules', v)))
    .sort()
    .reverse();
  if (usable.length === 0) {
    throw new Error('test guest: no /boot/vmlinuz-* with a matching /lib/modules/<version> (install linux-image-amd64: scripts/install-system-deps.sh)');
  }
  const version = usable[0];
  return { version, vmlinuz: join('/boot', `vmlinuz-${version}`), modulesDir: join('/lib/modules', version) };
}

function findModule(modulesDir: string, name: string): string {
  const stack = [join(modulesDir, 'kernel')];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) stack.push(p);
      else if (ent.name === `${name}.ko` || ent.name.startsWith(`${name}.ko.`)) return p;
    }
  }
  throw new Error(`test guest: kernel module ${name} not found under ${modulesDir}/kernel`);
}

/** Module bytes, uncompressed: busybox insmod does not take .ko.xz/.ko.zst, so unpack here. */
function moduleBytes(path: string): Buffer {
  if (path.endsWith('.ko')) return readFileSync(path);
  const tool = path.endsWith('.xz') ? 'xz' : path.endsWith('.zst') ? 'zstd' : path.endsWith('.gz') ? 'gzip' : undefined;
  if (!tool) throw new Error(`test guest: unknown module compression: ${path}`);
  const r = spawnSync(tool, ['-dc', path], { maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) throw new Error(`test guest: ${tool} -dc ${path} failed: ${r.error?.message ?? r.stderr.toString()}`);
  return r.stdout;
}

function findBusybox(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) if (existsSync(p)) return p;
  throw new Error('test guest: busybox not found (install busybox-static: scripts/install-system-deps.sh)');
}

/** Path of the cached initramfs for this kernel; built on first use. */
export function buildInitramfs(kernel: GuestKernel = findKernel()): string {
  const key = createHash('sha256').update(INIT).update(GUEST_MODULES.join(',')).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), 'iova-lens-guest-cache');
  const out = join(dir, `initramfs-${kernel.version}-${key}.cpio`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const busybox = findBusybox();
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'proc', 'sys', 'tmp', 'etc', 'lib', 'lib/modules'].map((path) => ({ kind: 'dir' as const, path })),
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'file', path: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: Buffer.from(INIT), mode: 0o755 },
    ...GUEST_MODULES.map((m) => ({ kind: 'file' as const, path: `lib/modules/${m}.ko`, data: moduleBytes(findModule(kernel.modulesDir, m)) })),
  ];
  // Write then rename: two test files may build at the same time.
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, writeCpio(entries));
  renameSync(tmp, out);
  return out;
}
