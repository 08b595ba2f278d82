// The byte channel under the QMP and gdbstub clients: what they need from a socket and nothing
// more, so a test can drive a client with a scripted peer in memory as well as with a real QEMU.
// Every callback from the transport reaches the client through guard(): nothing a peer sends can
// throw out of a socket callback.
import type { Socket } from 'node:net';
import type { Endpoint } from './endpoint.js';

export interface ByteChannel {
  write(data: Buffer | string): void;
  /** Called with every chunk received, in order. */
  onData(listener: (data: Buffer) => void): void;
  /** Called once when the transport ends, with a reason ("socket closed by the peer"…). */
  onClose(listener: (reason: string) => void): void;
  /** Close now; no more data or close callbacks afterwards. */
  destroy(): void;
}

/** Opens a channel to an endpoint within `timeoutMs` (default: a socket; tests: a scripted peer). */
export type ChannelOpener = (endpoint: Endpoint, timeoutMs: number) => Promise<ByteChannel>;

/** A connected socket as a channel. */
export function socketChannel(sock: Socket, peerName: string): ByteChannel {
  sock.setNoDelay?.(true);
  let closed = false;
  const closeListeners: ((reason: string) => void)[] = [];
  const close = (reason: string): void => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  sock.on('error', (err) => close(err.message));
  sock.on('close', () => close(`socket closed by ${peerName}`));
  return {
    write: (data) => {
      if (!closed && !sock.destroyed) sock.write(data);
    },
    onData: (listener) => sock.on('data', listener),
    onClose: (listener) => closeListeners.push(listener),
    destroy: () => {
      closed = true;
      sock.destroy();
    },
  };
}

/**
 * Run a handler for peer input; an exception (a bug or a case the parser did not foresee) is
 * handed to `onFault` instead of escaping into the event loop, where it would kill the process
 * (the debug adapter runs inside the extension host).
 */
export function guard<A extends unknown[]>(handler: (...args: A) => void, onFault: (e: Error) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      handler(...args);
    } catch (e) {
      try {
        onFault(e instanceof Error ? e : new Error(String(e)));
      } catch {
        // the fault handler itself failed: nothing more to do without risking the host
      }
    }
  };
}
