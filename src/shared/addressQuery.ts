// What a user types to resolve an address, in the Resolve Address… box and in the translation
// tree's resolve box: a bare address (`0x1000`, `4096`), or one named by its space the way the
// memory view and the debug console write it (`gpa:0x1000`, `gpa 0x1000`, `giova:00:03.0:0x1000`,
// `giova 0x1000 00:03.0`). One parser for both boxes; no vscode or DOM here.
import { isSpace, type Space } from '../trace/replay/spaces.js';

export interface AddressQuery {
  /** as typed (hex `0x…` or decimal), checked to fit 64 bits */
  addr: string;
  space?: Space;
  /** BDF (`00:03.0`) or a device pointer */
  device?: string;
}

const ADDR = /^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$/;
const BDF = /^[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]$/;
const DEVICE = /^([0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]|0x[0-9a-fA-F]{1,16})$/;

function addrError(a: string): string | undefined {
  if (!ADDR.test(a)) return `"${a}" is not an address: hex (0x1000) or decimal`;
  if (BigInt(a) >= 1n << 64n) return `${a} does not fit in 64 bits`;
  return undefined;
}

/** The query, or a message saying what is wrong with the text. */
export function parseAddressQuery(text: string): AddressQuery | { error: string } {
  const t = text.trim();
  if (t === '') return { error: 'type an address: 0x1000, gpa:0x1000, giova:00:03.0:0x1000' };
  // giova:BB:DD.F:ADDR (the memory view's form) first: its device has colons of its own
  const ref = /^giova:([0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]):(\S+)$/i.exec(t);
  if (ref) {
    const err = addrError(ref[2]!);
    return err ? { error: err } : { addr: ref[2]!, space: 'giova', device: ref[1]! };
  }
  const parts = t.split(/\s+/);
  let space: Space | undefined;
  const named = /^([a-zA-Z]+):(\S+)$/.exec(parts[0]!);
  if (named) {
    const s = named[1]!.toLowerCase();
    if (!isSpace(s)) return { error: `unknown address space "${named[1]}" (gpa, hva, iova, giova)` };
    space = s;
    parts[0] = named[2]!;
  } else if (parts.length > 1 && isSpace(parts[0]!.toLowerCase())) {
    space = parts.shift()!.toLowerCase() as Space;
  }
  if (parts.length > 2) return { error: `too many words in "${t}": [space] ADDRESS [device]` };
  const [addr, device] = parts as [string, string | undefined];
  const err = addrError(addr);
  if (err) return { error: err };
  if (device !== undefined && !DEVICE.test(device)) return { error: `"${device}" is not a device: a BDF (00:03.0) or a device pointer (0x…)` };
  if (device !== undefined && space === 'giova' && !BDF.test(device)) return { error: `a guest IOVA needs the device's BDF (00:03.0), not "${device}"` };
  return { addr, ...(space ? { space } : {}), ...(device !== undefined ? { device } : {}) };
}

/**
 * An address query found at a position of a line (the word under the cursor), or undefined:
 * `gpa:0x1000`, `giova:00:03.0:0x1000` or a bare hex/decimal number.
 */
export function addressAt(line: string, column: number): string | undefined {
  const re = /giova:[0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]:0x[0-9a-fA-F]+|(?:(?:gpa|hva|iova|giova):)?0x[0-9a-fA-F]+|\b[0-9]+\b/gi;
  for (const m of line.matchAll(re)) {
    const start = m.index;
    if (column >= start && column <= start + m[0].length) return m[0];
  }
  return undefined;
}
