// A scripted QMP or gdbstub peer in memory: a ByteChannel the clients talk to, and a script
// that sees every byte they write and answers what the test wants, including what no real QEMU
// sends (garbage, endless packets, impossible counts). No sockets, no monkey-patching.
import type { ByteChannel, ChannelOpener } from '../../src/qemu/channel.js';
import { checksum } from '../../src/qemu/gdb/packet.js';

export interface ScriptedPeer {
  /** what the client wrote, in order */
  readonly received: Buffer[];
  /** send bytes to the client (asynchronously, as a socket would) */
  send(data: string | Buffer): void;
  /** close the connection from the peer's side */
  hangUp(reason?: string): void;
  /** true once the client destroyed the channel */
  readonly destroyed: boolean;
}

/** A channel and its peer; `onWrite` runs for every write of the client. */
export function scriptedChannel(onWrite: (data: Buffer, peer: ScriptedPeer) => void): { channel: ByteChannel; peer: ScriptedPeer } {
  const dataListeners: ((d: Buffer) => void)[] = [];
  const closeListeners: ((reason: string) => void)[] = [];
  let closed = false;
  let destroyed = false;
  const peer: ScriptedPeer = {
    received: [],
    send(data) {
      const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
      setImmediate(() => {
        if (closed) return;
        for (const l of dataListeners) l(b);
      });
    },
    hangUp(reason = 'socket closed by the scripted peer') {
      setImmediate(() => {
        if (closed) return;
        closed = true;
        for (const l of closeListeners) l(reason);
      });
    },
    get destroyed() {
      return destroyed;
    },
  };
  const channel: ByteChannel = {
    write(data) {
      if (closed) return;
      const b = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
      peer.received.push(b);
      onWrite(b, peer);
    },
    onData: (l) => dataListeners.push(l),
    onClose: (l) => closeListeners.push(l),
    destroy() {
      closed = true;
      destroyed = true;
    },
  };
  return { channel, peer };
}

/** An opener that hands out scripted channels by endpoint ("unix:qmp", "tcp:127.0.0.1:1234"). */
export function scriptedOpener(
  scripts: Record<string, (data: Buffer, peer: ScriptedPeer) => void>,
): ChannelOpener & { peers: Map<string, ScriptedPeer>; greetings: Record<string, string> } {
  const peers = new Map<string, ScriptedPeer>();
  const open = async (ep: Parameters<ChannelOpener>[0]) => {
    const key = ep.kind === 'unix' ? `unix:${ep.path}` : `tcp:${ep.host}:${ep.port}`;
    const script = scripts[key];
    if (!script) throw new Error(`no scripted peer for ${key}`);
    const { channel, peer } = scriptedChannel(script);
    peers.set(key, peer);
    if (key in greetings) peer.send(greetings[key]);
    return channel;
  };
  const greetings: Record<string, string> = {};
  return Object.assign(open, { peers, greetings });
}

export const gdbFrame = (payload: string | Buffer): Buffer => {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  return Buffer.concat([Buffer.from('$'), body, Buffer.from('#' + checksum(body).toString(16).padStart(2, '0'))]);
};

/** The gdb packets in a chunk the client wrote (acks and the interrupt byte skipped). */
export function gdbPackets(data: Buffer): string[] {
  const out: string[] = [];
  const text = data.toString('latin1');
  for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) {
    const end = text.indexOf('#', i);
    if (end < 0) break;
    out.push(text.slice(i + 1, end));
    i = end;
  }
  return out;
}

export const QMP_GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 0, "major": 10}, "package": ""}, "capabilities": []}}\r\n';

/** The QMP commands in a chunk the client wrote (one JSON object per line). */
export function qmpCommands(data: Buffer): { execute: string; id: number; arguments?: Record<string, unknown> }[] {
  return data
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { execute: string; id: number; arguments?: Record<string, unknown> });
}
