// PCI device addresses as users and QEMU write them: "BB:DD.F" (hex; QEMU's VT-d traces print the
// function with two digits, "00:02.00"), and VT-d source ids (bus << 8 | devfn). Defined once:
// the trace replay, the live snapshot and the VT-d walker all key devices by formatBdf.

export interface PciBdf {
  bus: number;
  slot: number;
  fn: number;
}

const h2 = (n: number): string => n.toString(16).padStart(2, '0');

const bdfTexts = new Map<number, string>();

/** Canonical "BB:DD.F" (lower-case hex, two-digit bus and slot, one-digit function). */
export function formatBdf(bus: number, slot: number, fn: number): string {
  // every VT-d trace line names its device: one text per device, not one per line
  const small = (bus & 0xff) === bus && (slot & 0xff) === slot && (fn & 0xff) === fn;
  const key = small ? (bus << 16) | (slot << 8) | fn : -1;
  const known = small ? bdfTexts.get(key) : undefined;
  if (known !== undefined) return known;
  const text = `${h2(bus)}:${h2(slot)}.${fn.toString(16)}`;
  if (small && bdfTexts.size < 4096) bdfTexts.set(key, text);
  return text;
}

export const bdfText = (d: PciBdf): string => formatBdf(d.bus, d.slot, d.fn);

/** Parse "BB:DD.F" (also "BB:DD.FF" as VT-d traces print it). Hex fields. */
export function parseBdf(text: string): PciBdf {
  const m = /^\s*([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-9a-fA-F]{1,2})\s*$/.exec(text);
  if (!m) throw new Error(`not a PCI device id "BB:DD.F": ${JSON.stringify(text)}`);
  const bus = parseInt(m[1]!, 16);
  const slot = parseInt(m[2]!, 16);
  const fn = parseInt(m[3]!, 16);
  if (slot > 0x1f || fn > 7) throw new Error(`PCI device id ${JSON.stringify(text)} out of range (slot ≤ 1f, function ≤ 7)`);
  return { bus, slot, fn };
}

export const canonicalDevice = (text: string): string => bdfText(parseBdf(text));

export const devfnOf = (d: PciBdf): number => (d.slot << 3) | d.fn;
/** Source id as VT-d traces print it (`sid 0x10` = 00:02.0). */
export const sidOf = (d: PciBdf): number => (d.bus << 8) | devfnOf(d);
export const bdfFromSid = (sid: number): PciBdf => ({ bus: (sid >> 8) & 0xff, slot: (sid >> 3) & 0x1f, fn: sid & 7 });
/** VT-d source id to "BB:DD.F". */
export const sidToBdf = (sid: number): string => bdfText(bdfFromSid(sid));
