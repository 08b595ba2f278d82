// Which process serves a QMP endpoint: the one whose open file descriptors include the
// endpoint's socket. A unix socket's inodes (the listening one and each accepted connection
// share its path) come from /proc/net/unix, a TCP listener's from /proc/net/tcp{,6}; then every
// /proc/PID/fd is searched for `socket:[INODE]`. Only processes this user may look into are seen.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { resolve } from 'node:path';

export class QemuPidNotFoundError extends Error {
  constructor(endpoint: string, detail: string) {
    super(`cannot tell which process serves QMP ${endpoint}: ${detail}; give "qemuPid" in the debug configuration`);
    this.name = 'QemuPidNotFoundError';
  }
}

/** Inodes of the unix sockets bound to `path` (column 7 of /proc/net/unix, path in column 8). */
export function unixSocketInodes(table: string, path: string): Set<string> {
  const out = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 8 && cols.slice(7).join(' ') === path) out.add(cols[6]!);
  }
  return out;
}

/** Inodes of the TCP sockets listening (state 0A) on `port` (/proc/net/tcp and tcp6 format). */
export function tcpListenInodes(table: string, port: number): Set<string> {
  const out = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || cols[3] !== '0A') continue;
    const local = cols[1]!;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) out.add(cols[9]!);
  }
  return out;
}

async function readOr(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

/** The PID of the process holding QMP endpoint `unix:PATH` or `tcp:HOST:PORT`. */
export async function qemuPidOf(endpoint: string, procRoot = '/proc'): Promise<number> {
  let inodes: Set<string>;
  if (endpoint.startsWith('unix:')) {
    const path = resolve(endpoint.slice(5));
    inodes = unixSocketInodes(await readOr(`${procRoot}/net/unix`), path);
    if (inodes.size === 0) throw new QemuPidNotFoundError(endpoint, `no socket bound to ${path} in ${procRoot}/net/unix`);
  } else {
    const m = /:(\d+)$/.exec(endpoint);
    if (!endpoint.startsWith('tcp:') || !m) throw new QemuPidNotFoundError(endpoint, 'not a unix: or tcp: endpoint');
    const port = Number(m[1]);
    inodes = new Set([...tcpListenInodes(await readOr(`${procRoot}/net/tcp`), port), ...tcpListenInodes(await readOr(`${procRoot}/net/tcp6`), port)]);
    if (inodes.size === 0) throw new QemuPidNotFoundError(endpoint, `nothing listens on TCP port ${port} (${procRoot}/net/tcp)`);
  }
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  const holders: number[] = [];
  for (const pid of (await readdir(procRoot)).filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      const target = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
      if (wanted.has(target)) {
        holders.push(Number(pid));
        break;
      }
    }
  }
  if (holders.length === 1) return holders[0]!;
  if (holders.length === 0) throw new QemuPidNotFoundError(endpoint, 'no process this user may inspect holds its socket (QEMU runs as another user?)');
  throw new QemuPidNotFoundError(endpoint, `processes ${holders.join(', ')} all hold its socket`);
}
