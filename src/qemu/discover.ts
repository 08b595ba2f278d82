// Finding QEMUs to attach to: running qemu-system processes (their -qmp / -chardev+-mon and
// -gdb / -s options, read from /proc) and libvirt's per-domain monitor sockets. Only what is
// visible to this user; nothing here connects to anything.
import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export interface QemuCandidate {
  /** "unix:PATH" or "tcp:HOST:PORT", as attach's `qmp` */
  qmp: string;
  /** "HOST:PORT" when the process has a gdbstub */
  gdb?: string;
  /** guest name (-name) or the socket's directory */
  label: string;
  pid?: number;
  /** why attaching may not work (libvirt holds its monitor socket) */
  caveat?: string;
}

/** Split a QEMU option value "a,b=c,d=e" into its first field and key=value pairs. */
function optionFields(value: string): { head: string; kv: Map<string, string> } {
  // QEMU escapes a comma inside a value by doubling it.
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== ',') cur += value[i];
    else if (value[i + 1] === ',') {
      cur += ',';
      i++;
    } else {
      parts.push(cur);
      cur = '';
    }
  }
  parts.push(cur);
  const kv = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) kv.set(p.slice(0, eq), p.slice(eq + 1));
  }
  return { head: parts[0] ?? '', kv };
}

/** The QMP and gdbstub endpoints a QEMU command line declares (argv as in /proc/PID/cmdline). */
export function endpointsOf(argv: string[]): { qmp: string[]; gdb?: string; name?: string } {
  const qmp: string[] = [];
  const chardevs = new Map<string, string>();
  const monitors: string[] = [];
  let gdb: string | undefined;
  let name: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const opt = argv[i]!.replace(/^--/, '-');
    const val = argv[i + 1] ?? '';
    switch (opt) {
      case '-qmp':
      case '-qmp-pretty': {
        const { head, kv } = optionFields(val);
        if (head.startsWith('unix:')) qmp.push(head);
        else if (head.startsWith('tcp:')) qmp.push(`tcp:${head.slice(4).replace(/^:/, '127.0.0.1:')}`);
        else if (kv.size === 0 && head.startsWith('/')) qmp.push(`unix:${head}`);
        i++;
        break;
      }
      case '-chardev': {
        const { head, kv } = optionFields(val);
        const id = kv.get('id');
        if (head === 'socket' && id) {
          const path = kv.get('path');
          const port = kv.get('port');
          if (path) chardevs.set(id, `unix:${path}`);
          else if (port) chardevs.set(id, `tcp:${kv.get('host') || '127.0.0.1'}:${port}`);
        }
        i++;
        break;
      }
      case '-mon': {
        const { head, kv } = optionFields(val);
        const chardev = kv.get('chardev') ?? (head.startsWith('chardev=') ? head.slice(8) : undefined);
        const mode = kv.get('mode') ?? (head.startsWith('mode=') ? head.slice(5) : undefined);
        if (chardev && mode === 'control') monitors.push(chardev);
        i++;
        break;
      }
      case '-gdb': {
        const m = /^tcp:(.*):(\d+)/.exec(val);
        if (m) gdb = `${m[1] || '127.0.0.1'}:${m[2]}`;
        i++;
        break;
      }
      case '-s':
        gdb = '127.0.0.1:1234';
        break;
      case '-name': {
        const { head, kv } = optionFields(val);
        name = kv.get('guest') ?? (head.startsWith('guest=') ? head.slice(6) : head);
        i++;
        break;
      }
      default:
        break;
    }
  }
  for (const m of monitors) {
    const ep = chardevs.get(m);
    if (ep) qmp.push(ep);
  }
  return { qmp, ...(gdb ? { gdb } : {}), ...(name ? { name } : {}) };
}

async function processCandidates(procRoot: string): Promise<QemuCandidate[]> {
  const out: QemuCandidate[] = [];
  let pids: string[];
  try {
    pids = (await readdir(procRoot)).filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let raw: string;
    try {
      raw = await readFile(join(procRoot, pid, 'cmdline'), 'utf8');
    } catch {
      continue; // gone, or not ours to read
    }
    const argv = raw.split('\0').filter((a, i, all) => i < all.length - 1 || a !== '');
    if (!argv[0] || !basename(argv[0]).startsWith('qemu-system')) continue;
    const ep = endpointsOf(argv);
    for (const qmp of ep.qmp) {
      out.push({ qmp, ...(ep.gdb ? { gdb: ep.gdb } : {}), label: ep.name ?? `${basename(argv[0])} (pid ${pid})`, pid: Number(pid) });
    }
  }
  return out;
}

async function libvirtCandidates(dirs: string[]): Promise<QemuCandidate[]> {
  const out: QemuCandidate[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names.filter((x) => x.startsWith('domain-'))) {
      const sock = join(dir, n, 'monitor.sock');
      try {
        if (!(await stat(sock)).isSocket()) continue;
      } catch {
        continue;
      }
      out.push({
        qmp: `unix:${sock}`,
        label: n.replace(/^domain-\d+-/, ''),
        caveat: 'libvirt keeps this monitor connected; attaching waits until libvirtd lets go. Prefer a second -qmp socket (<qemu:commandline>).',
      });
    }
  }
  return out;
}

export const LIBVIRT_DIRS = ['/var/lib/libvirt/qemu', '/run/libvirt/qemu', join(homedir(), '.config/libvirt/qemu/lib')];

/** Every QEMU visible here, processes first; one entry per QMP endpoint. */
export async function discoverQemus(opts: { procRoot?: string; libvirtDirs?: string[] } = {}): Promise<QemuCandidate[]> {
  const procs = await processCandidates(opts.procRoot ?? '/proc');
  const seen = new Set(procs.map((c) => c.qmp));
  const virt = (await libvirtCandidates(opts.libvirtDirs ?? LIBVIRT_DIRS)).filter((c) => !seen.has(c.qmp));
  return [...procs, ...virt];
}
