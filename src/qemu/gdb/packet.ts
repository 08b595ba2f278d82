// GDB remote serial protocol framing: `$payload#cs`, `}`-escapes, run-length encoding and the
// `+`/`-` acknowledgements QEMU insists on (its gdbstub has no no-ack mode).

const DOLLAR = 0x24;
const HASH = 0x23;
const ESC = 0x7d;
const STAR = 0x2a;
const PLUS = 0x2b;
const MINUS = 0x2d;

export const checksum = (bytes: Uint8Array): number => {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
};

/** Escape the four bytes the protocol reserves, as `}` + (byte XOR 0x20). */
export function escapePayload(payload: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of payload) {
    if (b === DOLLAR || b === HASH || b === ESC || b === STAR) out.push(ESC, b ^ 0x20);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** A complete `$…#cs` frame for a payload (escaped as needed). */
export function encodePacket(payload: string | Uint8Array): Buffer {
  const raw = escapePayload(typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload);
  const cs = checksum(raw).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$'), raw, Buffer.from('#' + cs)]);
}

/** Undo escapes and run-length encoding of a received body (the bytes between `$` and `#`). */
export function decodeBody(body: Uint8Array): Buffer {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === ESC && i + 1 < body.length) {
      out.push(body[++i] ^ 0x20);
    } else if (b === STAR && i + 1 < body.length && out.length > 0) {
      // `X*c` repeats X (ord(c) - 29) more times.
      const n = body[++i] - 29;
      const last = out[out.length - 1];
      for (let k = 0; k < n; k++) out.push(last);
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out);
}

export type WireEvent =
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'packet'; payload: Buffer; checksumOk: boolean }
  | { kind: 'garbage'; bytes: Buffer; reason: string };

/**
 * Incremental receiver. Outside a packet only `+`, `-` and `$` are legal; anything else is
 * reported as garbage (the peer is not a gdbstub, or the stream is corrupt).
 */
export class PacketReceiver {
  private body: number[] | undefined;
  private csDigits = '';
  private inChecksum = false;

  constructor(private readonly maxBody: number) {}

  /** True while a packet has started and not ended (lets the caller time out a stalled frame). */
  get midPacket(): boolean {
    return this.body !== undefined;
  }

  push(data: Uint8Array): WireEvent[] {
    const events: WireEvent[] = [];
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (this.body === undefined) {
        if (b === PLUS) events.push({ kind: 'ack' });
        else if (b === MINUS) events.push({ kind: 'nak' });
        else if (b === DOLLAR) this.body = [];
        else {
          events.push({ kind: 'garbage', bytes: Buffer.from(data.subarray(i, i + 32)), reason: `unexpected byte 0x${b.toString(16).padStart(2, '0')} between packets` });
          return events;
        }
        continue;
      }
      if (this.inChecksum) {
        this.csDigits += String.fromCharCode(b);
        if (this.csDigits.length < 2) continue;
        const body = Uint8Array.from(this.body);
        const cs = this.csDigits;
        this.body = undefined;
        this.inChecksum = false;
        this.csDigits = '';
        if (!/^[0-9a-fA-F]{2}$/.test(cs)) {
          events.push({ kind: 'garbage', bytes: Buffer.from(cs, 'latin1'), reason: `checksum ${JSON.stringify(cs)} is not two hex digits` });
          return events;
        }
        events.push({ kind: 'packet', payload: decodeBody(body), checksumOk: parseInt(cs, 16) === checksum(body) });
        continue;
      }
      if (b === HASH) this.inChecksum = true;
      else {
        this.body.push(b);
        if (this.body.length > this.maxBody) {
          events.push({ kind: 'garbage', bytes: Buffer.from(this.body.slice(0, 32)), reason: `packet longer than ${this.maxBody} bytes without "#"` });
          this.body = undefined;
          return events;
        }
      }
    }
    return events;
  }
}

/** Lower-case hex of bytes (memory writes, qRcmd). */
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Parse a hex byte string; undefined if it is not one. */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return undefined;
  return Uint8Array.from(Buffer.from(s, 'hex'));
}
