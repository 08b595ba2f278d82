// Fake QMP and gdbstub peers on unix sockets, for behaviours a real QEMU cannot be made to show
// (garbage, silence, closing mid-request, bad checksums).
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksum } from '../../src/qemu/gdb/packet.js';

export interface FakePeer {
  endpoint: string;
  path: string;
  sockets: Socket[];
  close(): Promise<void>;
}

const open = new Set<FakePeer>();

/** Close every fake peer still open (a failed assertion skips the test's own close). */
export async function closeAllPeers(): Promise<void> {
  await Promise.all([...open].map((p) => p.close()));
}

export async function fakePeer(onConnect: (s: Socket) => void): Promise<FakePeer> {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-fake-'));
  const path = join(dir, 'peer.sock');
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onConnect(s);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  let closing: Promise<void> | undefined;
  const peer: FakePeer = {
    endpoint: `unix:${path}`,
    path,
    sockets,
    close: () => (closing ??= shut()),
  };
  const shut = async (): Promise<void> => {
    open.delete(peer);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  };
  open.add(peer);
  return peer;
}

export const QMP_GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';

/** Split a QMP client's stream into the commands it sent (it writes one JSON object per line). */
export function onQmpCommands(s: Socket, handle: (cmd: { execute: string; id: unknown; arguments?: Record<string, unknown> }) => void): void {
  let buf = '';
  s.setEncoding('utf8');
  s.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) handle(JSON.parse(line));
    }
  });
}

/** A QMP server that greets, accepts capabilities and hands other commands to `handle`. */
export function qmpServer(handle: (s: Socket, cmd: { execute: string; id: unknown; arguments?: Record<string, unknown> }) => void): (s: Socket) => void {
  return (s) => {
    s.write(QMP_GREETING);
    onQmpCommands(s, (cmd) => {
      if (cmd.execute === 'qmp_capabilities') s.write(JSON.stringify({ return: {}, id: cmd.id }) + '\r\n');
      else handle(s, cmd);
    });
  };
}

export const gdbFrame = (payload: string): string => `$${payload}#${checksum(Buffer.from(payload, 'latin1')).toString(16).padStart(2, '0')}`;

/**
 * A gdbstub that acks every packet and answers through `reply` (undefined: no answer).
 * Records the packets it received.
 */
export function gdbServer(reply: (payload: string, s: Socket) => string | undefined, received: string[] = []): (s: Socket) => void {
  return (s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        buf = buf.replace(/^\++/, '');
        const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(buf);
        if (!m) {
          if (buf.startsWith('\x03')) {
            buf = buf.slice(1);
            received.push('\x03');
            const r = reply('\x03', s);
            if (r !== undefined) s.write(gdbFrame(r));
            continue;
          }
          return;
        }
        buf = buf.slice(m[0].length);
        received.push(m[1]);
        s.write('+');
        const r = reply(m[1], s);
        if (r !== undefined) s.write(gdbFrame(r));
      }
    });
  };
}

/** Collect unhandled rejections so a test can assert there were none. */
export function rejectionGuard(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const on = (e: unknown): void => {
    errors.push(e);
  };
  process.on('unhandledRejection', on);
  return { errors, dispose: () => process.off('unhandledRejection', on) };
}
