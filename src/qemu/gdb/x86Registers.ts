// The x86-64 `g` packet layout. QEMU describes it in target.xml (i386-64bit.xml); when that is
// unavailable we fall back to the order QEMU has used for years: 16 GPRs, rip, eflags, the six
// segment selectors. Values are little-endian (target byte order).

export interface RegisterDesc {
  name: string;
  /** Width in bits. */
  bits: number;
  regnum: number;
}

const GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** The leading, version-independent part of QEMU's x86-64 register file. */
export const X86_64_FIXED_LAYOUT: RegisterDesc[] = [
  ...GPRS.map((name, i) => ({ name, bits: 64, regnum: i })),
  { name: 'rip', bits: 64, regnum: 16 },
  { name: 'eflags', bits: 32, regnum: 17 },
  ...['cs', 'ss', 'ds', 'es', 'fs', 'gs'].map((name, i) => ({ name, bits: 32, regnum: 18 + i })),
];

/**
 * Registers in `<reg …/>` elements, in document order. regnum defaults to previous + 1, as in
 * gdb's target description rules.
 */
export function parseTargetRegisters(xml: string, firstRegnum = 0): RegisterDesc[] {
  const out: RegisterDesc[] = [];
  let next = firstRegnum;
  for (const m of xml.matchAll(/<reg\b([^>]*)\/?>/g)) {
    const attrs = new Map<string, string>();
    for (const a of m[1].matchAll(/([\w-]+)\s*=\s*"([^"]*)"/g)) attrs.set(a[1], a[2]);
    const name = attrs.get('name');
    const bits = Number(attrs.get('bitsize'));
    if (!name || !Number.isInteger(bits) || bits <= 0) continue;
    const regnum = attrs.has('regnum') ? Number(attrs.get('regnum')) : next;
    out.push({ name, bits, regnum });
    next = regnum + 1;
  }
  return out;
}

/** `<xi:include href="…"/>` files named by target.xml. */
export const targetIncludes = (xml: string): string[] => [...xml.matchAll(/<xi:include\s+href="([^"]+)"/g)].map((m) => m[1]);

/**
 * Decode a `g` reply (raw bytes) with a layout. Registers are placed in regnum order; decoding
 * stops where the data ends (QEMU only sends the core registers in `g`).
 */
export function decodeRegisters(data: Uint8Array, layout: RegisterDesc[]): Map<string, bigint> {
  const regs = new Map<string, bigint>();
  const sorted = [...layout].sort((a, b) => a.regnum - b.regnum);
  let off = 0;
  for (const r of sorted) {
    const n = r.bits / 8;
    if (!Number.isInteger(n) || off + n > data.length) break;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[off + i]);
    regs.set(r.name, v);
    off += n;
  }
  return regs;
}
