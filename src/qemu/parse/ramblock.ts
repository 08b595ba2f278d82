// `info ramblock` (HMP) / x-query-ramblock. QEMU ≤ 7.2 prints Offset/Used/Total; 8.0 added HVA
// and RO columns. `offset` is QEMU's internal ram_addr_t, not a guest-physical address.
import { QemuParseError } from '../errors.js';

export interface RamBlock {
  /** idstr: "pc.ram", "/objects/mem0", "0000:00:02.0/virtio-net-pci.rom"… */
  name: string;
  pageSize: bigint;
  offset: bigint;
  /** Bytes in use (used_length). */
  usedLen: bigint;
  /** Bytes reserved (max_length). */
  maxLen: bigint;
  /** Host virtual address of the block (QEMU ≥ 8.0 only). */
  hva: bigint | undefined;
  readonly: boolean | undefined;
}

// Names are right-aligned in 24 columns but never truncated, so anchor on the right-hand columns.
const ROW = /^\s*(?<name>.+?)\s+(?<ps>\d+(?:\.\d+)?) (?<unit>[KMGTPE]?i?B)\s+0x(?<off>[0-9a-f]{16}) 0x(?<used>[0-9a-f]{16}) 0x(?<total>[0-9a-f]{16})(?: 0x(?<hva>[0-9a-f]{16})\s+(?<ro>rw|ro))?\s*$/;
const HEADER = /^\s*Block Name\s+PSize\s+Offset\s+Used\s+Total(?<hva>\s+HVA\s+RO)?\s*$/;
const UNITS: Record<string, bigint> = { B: 1n, KiB: 1n << 10n, MiB: 1n << 20n, GiB: 1n << 30n, TiB: 1n << 40n, PiB: 1n << 50n, EiB: 1n << 60n };

function pageSize(num: string, unit: string, lineNo: number, line: string): bigint {
  const mult = UNITS[unit];
  if (mult === undefined) throw new QemuParseError('info ramblock', lineNo, line, `unknown size unit ${unit}`);
  // size_to_str may print one decimal ("1.50 MiB"); page sizes are powers of two so this is exact.
  const [int, frac = ''] = num.split('.');
  const scale = 10n ** BigInt(frac.length);
  return (BigInt(int + frac) * mult) / scale;
}

export function parseRamBlocks(text: string): RamBlock[] {
  const out: RamBlock[] = [];
  let withHva: boolean | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    const h = HEADER.exec(line);
    if (h) {
      withHva = h.groups?.hva !== undefined;
      return;
    }
    const m = ROW.exec(line);
    if (!m?.groups) throw new QemuParseError('info ramblock', lineNo, line, 'not a RAM block row');
    const g = m.groups;
    const hasHva = g.hva !== undefined;
    if (withHva !== undefined && withHva !== hasHva) {
      throw new QemuParseError('info ramblock', lineNo, line, withHva ? 'row lacks the HVA/RO columns the header announced' : 'row has HVA/RO columns the header did not announce');
    }
    out.push({
      name: g.name,
      pageSize: pageSize(g.ps, g.unit, lineNo, line),
      offset: BigInt('0x' + g.off),
      usedLen: BigInt('0x' + g.used),
      maxLen: BigInt('0x' + g.total),
      hva: hasHva ? BigInt('0x' + g.hva) : undefined,
      readonly: hasHva ? g.ro === 'ro' : undefined,
    });
  });
  return out;
}
