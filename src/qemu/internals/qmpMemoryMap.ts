// QMP's answers about the memory map (`info ramblock`, `info mtree -f`) in the shape the
// cross-check of QEMU's internals takes (src/model/internalsCrossCheck.ts): one entry per
// address space, a FlatView shared by several spaces repeated for each.
import type { QmpMemoryMap } from '../../model/internalsCrossCheck.js';
import type { FlatView } from '../parse/mtreeFlat.js';
import type { RamBlock } from '../parse/ramblock.js';

export function qmpMemoryMapOf(blocks: readonly RamBlock[], views: readonly FlatView[]): QmpMemoryMap {
  return {
    ramBlocks: blocks.map((b) => ({ name: b.name, offset: b.offset, usedLength: b.usedLen })),
    addressSpaces: views.flatMap((v) => v.addressSpaces.map((as) => ({ name: as.name, ranges: v.ranges.map((r) => ({ start: r.start, last: r.last, region: r.name })) }))),
  };
}
