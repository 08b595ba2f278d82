// The text of a read-only memory view: a header saying what was read, then one line per 16
// bytes — the address in the reference's space, the bytes in hex, the printable ASCII — like
// `xxd`/`hexdump -C`. Ranges that could not be read say why instead of showing zeros.
// No vscode import here, so the tests format exactly what the editor shows.
import { hex, U64_MAX } from '../../model/u64.js';
import { sizeText } from '../../shared/viewFromTrace.js';

export const BYTES_PER_LINE = 16;

/** One read piece: bytes from `offset` (from the start of the view), or why there are none. */
export type DumpChunk = { offset: number; bytes: Uint8Array } | { offset: number; count: number; error: string };

export interface DumpHeader {
  /** the space-named reference, e.g. "giova:00:03.0:0xffeb8000" */
  reference: string;
  /** the first address shown */
  start: bigint;
  /** bytes the range has (may be more than shown) */
  rangeBytes: bigint;
  /** when the bytes were read: "vCPUs stopped (pause)" */
  when: string;
}

const printable = (b: number): string => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

export function formatHexDump(h: DumpHeader, chunks: DumpChunk[]): string {
  const shown = chunks.reduce((n, c) => n + ('bytes' in c ? c.bytes.length : c.count), 0);
  const width = h.start + BigInt(Math.max(shown, 1)) > 1n << 32n ? 16 : 8;
  const out: string[] = [
    `# ${h.reference}: ${sizeText(BigInt(shown))}${BigInt(shown) < h.rangeBytes ? ` (the first of ${sizeText(h.rangeBytes)})` : ''}, read when the ${h.when}`,
    '# read-only; read again on every stop of the debug session (Open in Hex Editor, on the title bar, when installed)',
    '',
  ];
  const addr = (offset: number): string => hex((h.start + BigInt(offset)) & U64_MAX).slice(2).padStart(width, '0');
  for (const c of chunks) {
    if (!('bytes' in c)) {
      out.push(`${addr(c.offset)}  <${sizeText(BigInt(c.count))} unreadable: ${c.error}>`);
      continue;
    }
    for (let i = 0; i < c.bytes.length; i += BYTES_PER_LINE) {
      const line = c.bytes.subarray(i, i + BYTES_PER_LINE);
      const cells: string[] = [];
      for (let j = 0; j < BYTES_PER_LINE; j++) cells.push(j < line.length ? line[j]!.toString(16).padStart(2, '0') : '  ');
      const hexPart = `${cells.slice(0, 8).join(' ')}  ${cells.slice(8).join(' ')}`;
      out.push(`${addr(c.offset + i)}  ${hexPart}  |${Array.from(line, printable).join('')}|`);
    }
  }
  return out.join('\n') + '\n';
}
