// Turning model objects into the Owner records and wording the resolver hands out, in one place
// so every chain names things the same way.
import { IOMMU_RO, IOMMU_RW } from './access.js';
import type { DMAMap } from './dmaMap.js';
import type { IotlbEntry } from './iotlb/deviceIotlb.js';
import type { GuestMemoryMap } from './memory/guestMemoryMap.js';
import type { FlatRange } from './memory/types.js';
import type { Hop, Owner } from './translation.js';
import { hex } from './u64.js';

function withLines(o: Owner, x: { createdLine?: number; removedLine?: number }): Owner {
  if (x.createdLine !== undefined) o.createdLine = x.createdLine;
  if (x.removedLine !== undefined) o.removedLine = x.removedLine;
  return o;
}

/** The GPA hop for a flat range, with the alias windows that lead there. */
export function gpaHop(memory: GuestMemoryMap, gpa: bigint, range: FlatRange): Hop {
  const hop: Hop = {
    space: 'gpa',
    addr: gpa,
    owner: withLines({ kind: 'flatview-region', name: range.name, start: range.start, last: range.last }, range),
    perm: range.readonly ? IOMMU_RO : IOMMU_RW,
  };
  const aliases = memory.aliasesAt(gpa);
  if (aliases.length) hop.note = aliases.map((a) => `via alias '${a.name}' @${a.target} ${hex(a.targetOffset)}`).join('; ');
  return hop;
}

/** The HVA hop: owned by the RAMBlock, or by the listener section when the HVA came from it. */
export function hvaHop(memory: GuestMemoryMap, hva: bigint, range: FlatRange): Hop {
  const block = memory.ramBlockOf(range);
  if (range.hva === undefined && block && block.hva !== undefined) {
    return { space: 'hva', addr: hva, owner: { kind: 'ramblock', name: block.name, start: block.hva, last: block.hva + block.usedLength - 1n } };
  }
  const start = memory.hvaOfRange(range) ?? hva;
  const owner = withLines({ kind: 'flatview-region', name: range.name, start, last: start + (range.last - range.start) }, range);
  return { space: 'hva', addr: hva, owner };
}

export function iotlbOwner(e: IotlbEntry, device: string): Owner {
  const name = `${device ? device + ' ' : ''}ASID ${e.asid} [${hex(e.iova)}, ${hex(e.last)}] → ${hex(e.uaddr)}`;
  return withLines({ kind: 'iotlb-entry', name, start: e.iova, last: e.last }, e);
}

export function treeOwner(node: DMAMap, tree: 'GPA' | 'HVA'): Owner {
  return { kind: 'iova-tree-node', name: `SVQ ${tree}→IOVA node ${hex(node.translatedAddr)} size ${hex(node.size)}`, start: node.iova, last: node.iova + node.size };
}

/** "0x… is not mapped in <where>[: detail]" — every resolver error has this shape. */
export const notMapped = (addr: bigint, where: string, detail?: string): string => `${hex(addr)} is not mapped in ${where}${detail ? `: ${detail}` : ''}`;

export const iovaWhere = (asid: number, device: string): string => `IOVA ASID ${asid}${device ? ` of ${device}` : ''}`;

export const addNote = (hop: Hop, note: string): void => {
  hop.note = hop.note ? `${hop.note}; ${note}` : note;
};
