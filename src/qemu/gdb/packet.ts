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

/** Largest payload a packet may decode to (escapes and run-length repeats undone). */
export const MAX_DECODED_BYTES = 1 << 20;

export class PacketSizeError extends Error {
  constructor(readonly limit: number) {
    super(`packet decodes to more than ${limit} bytes (run-length repeats or escapes)`);
    this.name = 'PacketSizeError';
  }
}

/**
 * Undo escapes and run-length encoding of a received body (the bytes between `$` and `#`).
 * Throws PacketSizeError before the output would pass `maxOut` bytes: a run-length count is at
 * most 97, but a peer can chain them, so the bound is checked per repeat, not per input byte.
 */
export function decodeBody(body: Uint8Array, maxOut = MAX_DECODED_BYTES): Buffer {
  let out = Buffer.allocUnsafe(Math.min(Math.max(64, body.length * 2), maxOut));
  let n = 0;
  const room = (k: number): void => {
    if (n + k > maxOut) throw new PacketSizeError(maxOut);
    if (n + k > out.length) {
      const grown = Buffer.allocUnsafe(Math.min(maxOut, Math.max(n + k, out.length * 2)));
      out.copy(grown, 0, 0, n);
      out = grown;
    }
  };
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === ESC && i + 1 < body.length) {
      room(1);
      out[n++] = body[++i] ^ 0x20;
    } else if (b === STAR && i + 1 < body.length && n > 0) {
      // `X*c` repeats X (ord(c) - 29) more times.
      const k = Math.max(0, body[++i] - 29);
      room(k);
      out.fill(out[n - 1], n, n + k);
      n += k;
    } else {
      room(1);
      out[n++] = b;
    }
  }
  return Buffer.from(out.subarray(0, n));
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
  private inPacket = false;
  private body = Buffer.allocUnsafe(256);
  private bodyLen = 0;
  private csDigits = '';
  private inChecksum = false;

  constructor(private readonly maxBody: number, private readonly maxDecoded = MAX_DECODED_BYTES) {}

  /** True while a packet has started and not ended (lets the caller time out a stalled frame). */
  get midPacket(): boolean {
    return this.inPacket;
  }

  private append(b: number): void {
    if (this.bodyLen === this.body.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxBody + 1, this.body.length * 2));
      this.body.copy(grown, 0, 0, this.bodyLen);
      this.body = grown;
    }
    this.body[this.bodyLen++] = b;
  }

  push(data: Uint8Array): WireEvent[] {
    const events: WireEvent[] = [];
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (!this.inPacket) {
        if (b === PLUS) events.push({ kind: 'ack' });
        else if (b === MINUS) events.push({ kind: 'nak' });
        else if (b === DOLLAR) {
          this.inPacket = true;
          this.bodyLen = 0;
        }
        else {
          events.push({ kind: 'garbage', bytes: Buffer.from(data.subarray(i, i + 32)), reason: `unexpected byte 0x${b.toString(16).padStart(2, '0')} between packets` });
          return events;
        }
        continue;
      }
      if (this.inChecksum) {
        this.csDigits += String.fromCharCode(b);
        if (this.csDigits.length < 2) continue;
        const body = this.body.subarray(0, this.bodyLen);
        const cs = this.csDigits;
        this.inPacket = false;
        this.inChecksum = false;
        this.csDigits = '';
        if (!/^[0-9a-fA-F]{2}$/.test(cs)) {
          events.push({ kind: 'garbage', bytes: Buffer.from(cs, 'latin1'), reason: `checksum ${JSON.stringify(cs)} is not two hex digits` });
          return events;
        }
        let payload: Buffer;
        try {
          payload = decodeBody(body, this.maxDecoded);
        } catch (e) {
          if (!(e instanceof PacketSizeError)) throw e;
          events.push({ kind: 'garbage', bytes: Buffer.from(body.subarray(0, 32)), reason: e.message });
          return events;
        }
        events.push({ kind: 'packet', payload, checksumOk: parseInt(cs, 16) === checksum(body) });
        continue;
      }
      if (b === HASH) this.inChecksum = true;
      else {
        if (this.bodyLen >= this.maxBody) {
          events.push({ kind: 'garbage', bytes: Buffer.from(this.body.subarray(0, 32)), reason: `packet longer than ${this.maxBody} bytes without "#"` });
          this.inPacket = false;
          return events;
        }
        this.append(b);
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
