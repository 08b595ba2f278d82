// Guest-physical memory of the live VM: the "memory" FlatView of `info mtree -f` and the RAM
// blocks of `info ramblock`, with HVAs. QEMU ≥ 8.0 prints each block's HVA; 7.2 does not, so we
// ask `gpa2hva` once per RAM block that the flat view shows (never per page) and derive the
// block's base from the range offset.
import { GuestMemoryMap } from '../../model/memory/guestMemoryMap.js';
import { HOST_BACKED_KINDS, type FlatRange, type RamBlock as ModelRamBlock, type RegionKind } from '../../model/memory/types.js';
import type { FlatView, FlatRange as MtreeRange } from '../parse/mtreeFlat.js';
import { systemMemoryView } from '../parse/mtreeFlat.js';
import type { MtreeKind } from '../parse/mtreeLine.js';
import type { RamBlock } from '../parse/ramblock.js';
import type { LiveSession } from './liveSession.js';
import type { SnapshotRamBlock, SnapshotRegion } from './types.js';

export interface LiveMemory {
  /** Every FlatView (device DMA views included), as parsed. */
  views: FlatView[];
  regions: SnapshotRegion[];
  ramBlocks: SnapshotRamBlock[];
  map: GuestMemoryMap;
  problems: string[];
}

export const modelKind = (k: MtreeKind): RegionKind => (k === 'i/o' || k === 'container' ? 'io' : k);

const toFlatRange = (r: MtreeRange): FlatRange => ({
  start: r.start,
  last: r.last,
  name: r.name,
  offsetInRegion: r.offset,
  kind: modelKind(r.kind),
  readonly: r.readonly,
});

const toModelBlock = (b: RamBlock, hva: bigint | undefined): ModelRamBlock => {
  const m: ModelRamBlock = { name: b.name, usedLength: b.usedLen, maxLength: b.maxLen, offset: b.offset };
  if (hva !== undefined) m.hva = hva;
  if (b.readonly !== undefined) m.readonly = b.readonly;
  return m;
};

/** Build the memory part of a snapshot from already-fetched answers plus gpa2hva where needed. */
export async function buildLiveMemory(session: LiveSession, views: FlatView[], blocks: RamBlock[]): Promise<LiveMemory> {
  const problems: string[] = [];
  const system = systemMemoryView(views);
  const flat = system.ranges.map(toFlatRange);
  const hvas = new Map<string, { hva: bigint; from: 'ramblock' | 'gpa2hva' }>();
  for (const b of blocks) if (b.hva !== undefined) hvas.set(b.name, { hva: b.hva, from: 'ramblock' });

  // One probe per RAM block that has no HVA yet: the first host-backed range showing it.
  const probe = new GuestMemoryMap({ regions: flat, ramBlocks: blocks.map((b) => toModelBlock(b, undefined)) });
  const wanted = new Map<string, FlatRange>();
  for (const r of probe.ranges) {
    if (!HOST_BACKED_KINDS.has(r.kind)) continue;
    const block = probe.ramBlockOf(r);
    if (!block || hvas.has(block.name) || wanted.has(block.name)) continue;
    wanted.set(block.name, r);
  }
  // Pipelined: QMP answers in order, so all probes cost one wait, not one per block.
  await Promise.all(
    [...wanted].map(async ([name, r]) => {
      try {
        const a = await session.monitor.gpa2hva(r.start);
        // gpa2hva's HVA is for r.start, which sits r.offsetInRegion into the block.
        hvas.set(name, { hva: a.hva - r.offsetInRegion, from: 'gpa2hva' });
      } catch (e) {
        session.checkAlive();
        problems.push(`gpa2hva for RAM block '${name}' at GPA 0x${r.start.toString(16)}: ${(e as Error).message}`);
      }
    }),
  );

  const ramBlocks: SnapshotRamBlock[] = blocks.map((b) => {
    const h = hvas.get(b.name);
    return { ...b, hva: h?.hva, hvaFrom: h?.from ?? null };
  });
  const map = new GuestMemoryMap({ regions: flat, ramBlocks: blocks.map((b) => toModelBlock(b, hvas.get(b.name)?.hva)) });
  const regions: SnapshotRegion[] = map.ranges.map((r) => ({
    start: r.start,
    last: r.last,
    name: r.name,
    kind: r.kind,
    offset: r.offsetInRegion,
    readonly: r.readonly,
    hva: map.hvaOfRange(r) ?? null,
  }));
  return { views, regions, ramBlocks, map, problems };
}

/** Fetch mtree and ramblock (pipelined) and build the memory part. */
export async function readLiveMemory(session: LiveSession): Promise<LiveMemory> {
  const [views, blocks] = await Promise.all([session.monitor.mtreeFlat(), session.monitor.ramBlocks()]);
  return buildLiveMemory(session, views, blocks);
}
