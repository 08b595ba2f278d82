// Splits a QEMU trace format string into literal text and printf conversions, and classifies
// C argument types into the value kinds a TraceRecord carries. Shared by the line matcher,
// the simpletrace decoder (which needs the arg layout) and the renderer.

/** What an argument becomes in `fields`. */
export type ArgKind = 'u64' | 'int' | 'bool' | 'string';

export interface Conversion {
  /** conversion letter: d i u x X o p s c f e g */
  conv: string;
  /** flags as written: any of "-+ #0" */
  flags: string;
  width: number;
  /** length modifier as written (hh, h, l, ll, z, j, t) */
  length: string;
}

/** Literal texts interleaved with conversions: lits.length === convs.length + 1. */
export interface FormatSpec {
  lits: string[];
  convs: Conversion[];
}

export class FormatError extends Error {
  constructor(readonly format: string, readonly index: number, reason: string) {
    super(`bad format string at column ${index + 1}: ${reason}`);
    this.name = 'FormatError';
  }
}

// inttypes.h / QEMU macros that trace-events formats paste between string literals.
const MACRO_LENGTH: Record<string, string> = { '8': 'hh', '16': 'h', '32': '', '64': 'll', PTR: 'l', MAX: 'j' };
const MACRO_RE = /"\s*(PRI([diouxX])(8|16|32|64|PTR|MAX)|HWADDR_PRI([diouxX])|RAM_ADDR_FMT|TARGET_FMT_lx|TARGET_FMT_ld|TARGET_FMT_lu)\s*"/g;

/** The conversion text (without '%') a QEMU/inttypes macro stands for. */
export function macroConversion(macro: string): string | undefined {
  let m = /^PRI([diouxX])(8|16|32|64|PTR|MAX)$/.exec(macro);
  if (m) return MACRO_LENGTH[m[2]] + m[1];
  m = /^HWADDR_PRI([diouxX])$/.exec(macro);
  if (m) return 'll' + m[1];
  if (macro === 'RAM_ADDR_FMT') return 'llx';
  if (macro === 'TARGET_FMT_lx') return 'llx';
  if (macro === 'TARGET_FMT_ld') return 'lld';
  if (macro === 'TARGET_FMT_lu') return 'llu';
  return undefined;
}

/**
 * Paste `%"PRIx64"` / `%" PRIx64 "` forms left in a format (as a raw trace-events string keeps
 * them) into plain conversions, the way the C preprocessor would.
 */
export function expandFormatMacros(format: string): string {
  if (!format.includes('"')) return format;
  return format.replace(MACRO_RE, (_all, macro: string) => macroConversion(macro) ?? '');
}

const FLAG_CHARS = '-+ #0';
const LENGTH_CHARS = 'hlLqjzt';
const CONV_CHARS = 'diouxXpscfeEgGaA';

export function parsePrintfFormat(format: string): FormatSpec {
  const f = expandFormatMacros(format);
  const lits: string[] = [];
  const convs: Conversion[] = [];
  let lit = '';
  let i = 0;
  while (i < f.length) {
    const c = f[i];
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    const start = i;
    i++;
    if (f[i] === '%') {
      lit += '%';
      i++;
      continue;
    }
    let flags = '';
    while (i < f.length && FLAG_CHARS.includes(f[i])) flags += f[i++];
    let width = 0;
    while (i < f.length && f[i] >= '0' && f[i] <= '9') width = width * 10 + (f.charCodeAt(i++) - 48);
    if (f[i] === '*') throw new FormatError(format, i, "'*' width is not supported in trace formats");
    if (f[i] === '.') {
      // precision only changes padding of numbers / truncation of strings; the scanner is lenient
      i++;
      while (i < f.length && f[i] >= '0' && f[i] <= '9') i++;
    }
    let length = '';
    while (i < f.length && LENGTH_CHARS.includes(f[i])) length += f[i++];
    const conv = f[i];
    if (conv === undefined || !CONV_CHARS.includes(conv)) {
      throw new FormatError(format, start, `unknown conversion '${f.slice(start, i + 1)}'`);
    }
    i++;
    lits.push(lit);
    lit = '';
    convs.push({ conv, flags, width, length });
  }
  lits.push(lit);
  return { lits, convs };
}

const U64_TYPES = new Set([
  'uint64_t', 'int64_t', 'hwaddr', 'ram_addr_t', 'size_t', 'ssize_t', 'off_t', 'uintptr_t', 'intptr_t',
  'long', 'unsigned long', 'long long', 'unsigned long long', 'long int', 'unsigned long int',
  'target_ulong', 'vaddr', 'dma_addr_t', 'uint64', 'gsize', 'gssize', 'ptrdiff_t',
]);

/** Map a C type from trace-events onto the kind of value we keep. */
export function argKind(type: string): ArgKind {
  const t = type.replace(/\bconst\b/g, '').replace(/\s+/g, ' ').replace(/\s*\*\s*/g, '*').trim();
  if (t.endsWith('*')) return t === 'char*' ? 'string' : 'u64';
  if (t === 'bool') return 'bool';
  if (U64_TYPES.has(t)) return 'u64';
  return 'int';
}
