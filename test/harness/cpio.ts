// A minimal writer for the "newc" cpio format the kernel unpacks as an initramfs. Only what a
// busybox guest needs: directories, regular files, symlinks and device nodes.

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const field = (n: number): string => {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field ${n} does not fit 32 bits`);
  return n.toString(16).padStart(8, '0');
};

const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

function record(ino: number, mode: number, data: Uint8Array, name: string, rdev: [number, number] = [0, 0]): Buffer[] {
  const nameBytes = Buffer.from(name + '\0', 'utf8');
  const header =
    '070701' +
    [ino, mode, 0, 0, mode & S_IFDIR ? 2 : 1, 0, data.length, 0, 0, rdev[0], rdev[1], nameBytes.length, 0].map(field).join('');
  // Header (110 bytes) + name is padded to 4; so is the data.
  return [Buffer.from(header, 'latin1'), nameBytes, pad4(110 + nameBytes.length), Buffer.from(data), pad4(data.length)];
}

export function writeCpio(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (path === '') throw new Error('cpio entry with an empty path');
    switch (e.kind) {
      case 'dir':
        parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), new Uint8Array(0), path));
        break;
      case 'file':
        parts.push(...record(ino++, S_IFREG | (e.mode ?? 0o644), e.data, path));
        break;
      case 'symlink':
        parts.push(...record(ino++, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'), path));
        break;
      case 'chardev':
        parts.push(...record(ino++, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(0), path, [e.major, e.minor]));
        break;
    }
  }
  parts.push(...record(0, 0, new Uint8Array(0), 'TRAILER!!!'));
  return Buffer.concat(parts);
}
