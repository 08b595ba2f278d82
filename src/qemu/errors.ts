// Typed failures of the live-QEMU clients. Callers switch on the class, users read the message:
// every message says which peer (endpoint), which request and, for memory, which address.

/** The connection closed or failed while a request was outstanding (or before it was sent). */
export class ConnectionLostError extends Error {
  constructor(readonly endpoint: string, readonly request: string | undefined, reason: string) {
    super(`connection to ${endpoint} lost${request ? ` while waiting for ${request}` : ''}: ${reason}`);
    this.name = 'ConnectionLostError';
  }
}

/** The socket could not be opened (no such socket file, nobody listening, host unreachable). */
export class ConnectError extends Error {
  constructor(readonly endpoint: string, readonly code: string | undefined, reason: string) {
    super(`cannot connect to ${endpoint}: ${reason}`);
    this.name = 'ConnectError';
  }
}

/** No answer within the configured time. The connection is left as is (QMP) or closed (gdb). */
export class TimeoutError extends Error {
  constructor(readonly endpoint: string, readonly request: string, readonly ms: number, what = 'no answer within') {
    super(`${request} on ${endpoint}: ${what} ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/** The peer sent something the protocol does not allow; the connection is closed afterwards. */
export class ProtocolError extends Error {
  constructor(readonly endpoint: string, detail: string) {
    super(`protocol error from ${endpoint}: ${detail}`);
    this.name = 'ProtocolError';
  }
}

/** QMP answered `{"error": {"class", "desc"}}` to a command. */
export class QmpCommandError extends Error {
  constructor(readonly command: string, readonly errorClass: string, readonly desc: string) {
    super(`QMP ${command} failed (${errorClass}): ${desc}`);
    this.name = 'QmpCommandError';
  }
}

/** An HMP command "succeeded" at the QMP level but its text is an error message. */
export class HmpError extends Error {
  constructor(readonly commandLine: string, readonly text: string) {
    super(`HMP "${commandLine}" failed: ${text.trim().split(/\r?\n/)[0]}`);
    this.name = 'HmpError';
  }
}

/** The gdbstub answered `Exx`. `address` is set for memory accesses. */
export class GdbErrorReply extends Error {
  constructor(readonly packet: string, readonly code: number, readonly address?: bigint) {
    super(
      `gdbstub refused ${packet}` +
        (address !== undefined ? ` at 0x${address.toString(16)}` : '') +
        `: E${code.toString(16).padStart(2, '0')} (${gdbErrnoName(code)})`,
    );
    this.name = 'GdbErrorReply';
  }
}

/** A text answer (HMP, mtree, ramblock…) that does not follow the grammar we know. */
export class QemuParseError extends Error {
  constructor(readonly what: string, readonly lineNo: number, readonly line: string, reason: string) {
    super(`${what}, line ${lineNo}: ${reason}: ${JSON.stringify(line.length > 120 ? line.slice(0, 120) + '…' : line)}`);
    this.name = 'QemuParseError';
  }
}

// QEMU's gdbstub uses errno values for its E replies.
function gdbErrnoName(code: number): string {
  switch (code) {
    case 0x00: return 'not found / bad offset';
    case 0x01: return 'bad argument';
    case 0x0e: return 'EFAULT: access failed';
    case 0x16: return 'EINVAL: bad or missing parameter, length too large or unknown thread';
    default: return 'unknown error';
  }
}
