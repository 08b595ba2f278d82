// Where a QEMU socket lives. QEMU's own option syntax is `unix:PATH` / `tcp:HOST:PORT`; we accept
// the same spelling so users can paste what they gave to -qmp / -gdb.
import { connect, createServer, type Socket } from 'node:net';
import { ConnectError, TimeoutError } from './errors.js';

export type Endpoint = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export class EndpointSyntaxError extends Error {
  constructor(readonly text: string, reason: string) {
    super(`bad QEMU endpoint ${JSON.stringify(text)}: ${reason} (expected unix:PATH or tcp:HOST:PORT)`);
    this.name = 'EndpointSyntaxError';
  }
}

export function parseEndpoint(text: string): Endpoint {
  const t = text.trim();
  if (t.startsWith('unix:')) {
    // QEMU option suffixes (",server=on,wait=off") are not part of the path.
    const path = t.slice(5).split(',')[0];
    if (path === '') throw new EndpointSyntaxError(text, 'empty socket path');
    return { kind: 'unix', path };
  }
  if (t.startsWith('tcp:')) {
    const rest = t.slice(4).split(',')[0];
    // Bracketed IPv6 hosts: tcp:[::1]:1234
    const m = /^(?:\[(?<v6>[^\]]+)\]|(?<host>[^:]*)):(?<port>\d+)$/.exec(rest);
    if (!m?.groups) throw new EndpointSyntaxError(text, 'missing or malformed :PORT');
    const port = Number(m.groups.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new EndpointSyntaxError(text, `port ${m.groups.port} out of range 1..65535`);
    const host = m.groups.v6 ?? (m.groups.host || '127.0.0.1');
    return { kind: 'tcp', host, port };
  }
  throw new EndpointSyntaxError(text, 'unknown scheme');
}

export const formatEndpoint = (e: Endpoint): string =>
  e.kind === 'unix' ? `unix:${e.path}` : `tcp:${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

/**
 * Open a stream socket to the endpoint. Failure messages name the path or host:port and the
 * system reason (ENOENT: no such socket, ECONNREFUSED: nobody listening).
 */
export function openSocket(endpoint: Endpoint, timeoutMs: number): Promise<Socket> {
  const name = formatEndpoint(endpoint);
  return new Promise((resolve, reject) => {
    const sock = endpoint.kind === 'unix' ? connect({ path: endpoint.path }) : connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new TimeoutError(name, 'connect', timeoutMs));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = err.code === 'ENOENT' ? 'no such socket file' : err.code === 'ECONNREFUSED' ? 'nothing is listening' : err.message;
      reject(new ConnectError(name, err.code, `${why} (${err.code ?? 'error'})`));
    });
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now (for -gdb tcp:127.0.0.1:PORT). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free TCP port on 127.0.0.1'))));
    });
  });
}
