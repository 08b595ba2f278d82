// Every AddressSpace (the static address_spaces QTAILQ) with its current FlatView: the ranges
// QEMU dispatches on, each with its terminal MemoryRegion and, for RAM, the host address —
// what `info mtree -f` prints. MemoryRegions are read once each, however many spaces show them.
import { int128Range, type InternalAddressSpace, type InternalFlatRange } from '../../../model/qemuInternals.js';
import { LayoutCheckError } from '../errors.js';
import { layoutOf, MAX_LIST } from '../layout.js';
import { Bytes, readCString, type QemuMemory } from '../qemuMemory.js';

const MAX_RANGES = 1 << 16;

interface Region {
  name: string;
  ram: boolean;
  romd: boolean;
  readonly: boolean;
  host: bigint | null;
}

export async function readAddressSpaces(mem: QemuMemory): Promise<InternalAddressSpace[]> {
  const [AS, FV, FR, MR, RB] = await Promise.all([
    layoutOf(mem, 'AddressSpace', ['name', 'current_map', 'address_spaces_link.tqe_next']),
    layoutOf(mem, 'FlatView', ['ranges', 'nr']),
    layoutOf(mem, 'FlatRange', ['mr', 'offset_in_region', 'addr.start', 'addr.size', 'romd_mode', 'readonly']),
    layoutOf(mem, 'MemoryRegion', ['name', 'ram', 'ram_block', 'readonly', 'rom_device']),
    layoutOf(mem, 'RAMBlock', ['host']),
  ]);
  const regions = new Map<bigint, Promise<Region>>();
  const region = (mr: bigint): Promise<Region> => {
    let p = regions.get(mr);
    if (!p) {
      p = (async () => {
        const m = new Bytes(await mem.read(mr, Number(MR.size)), `MemoryRegion at 0x${mr.toString(16)}`);
        const rb = m.u64(MR.off.ram_block);
        const [name, host] = await Promise.all([
          readCString(mem, m.u64(MR.off.name)),
          rb === 0n ? Promise.resolve(null) : mem.read(rb + RB.off.host, 8).then((h) => new Bytes(h, 'RAMBlock.host').u64(0n)),
        ]);
        return { name, ram: m.u8(MR.off.ram) !== 0, romd: m.u8(MR.off.rom_device) !== 0, readonly: m.u8(MR.off.readonly) !== 0, host: host === 0n ? null : host };
      })();
      p.catch(() => undefined); // awaited by every range that shows it
      regions.set(mr, p);
    }
    return p;
  };

  const spaces: { name: Promise<string>; ranges: Promise<InternalFlatRange[]> }[] = [];
  const seen = new Set<bigint>();
  for (let as = await mem.evaluate('address_spaces.tqh_first'); as !== 0n; ) {
    if (seen.has(as) || seen.size >= MAX_LIST) throw new LayoutCheckError('address_spaces', `the list does not end (0x${as.toString(16)} again or more than ${MAX_LIST})`);
    seen.add(as);
    const a = new Bytes(await mem.read(as, Number(AS.size)), `AddressSpace at 0x${as.toString(16)}`);
    const name = readCString(mem, a.u64(AS.off.name));
    const ranges = name.then((n) => readFlatView(mem, a.u64(AS.off.current_map), n, FV, FR, region));
    ranges.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    spaces.push({ name, ranges });
    as = a.u64(AS.off['address_spaces_link.tqe_next']);
  }
  return Promise.all(spaces.map(async (s) => ({ name: await s.name, ranges: await s.ranges })));
}

type L<F extends string> = Awaited<ReturnType<typeof layoutOf<F>>>;

async function readFlatView(
  mem: QemuMemory,
  fv: bigint,
  space: string,
  FV: L<'ranges' | 'nr'>,
  FR: L<'mr' | 'offset_in_region' | 'addr.start' | 'addr.size' | 'romd_mode' | 'readonly'>,
  region: (mr: bigint) => Promise<Region>,
): Promise<InternalFlatRange[]> {
  const what = `FlatView of AddressSpace "${space}"`;
  if (fv === 0n) return [];
  const h = new Bytes(await mem.read(fv, Number(FV.size)), what);
  const nr = h.u32(FV.off.nr);
  if (nr > MAX_RANGES) throw new LayoutCheckError(what, `nr = ${nr} ranges is more than ${MAX_RANGES}`);
  if (nr === 0) return [];
  const stride = Number(FR.size);
  const arr = await mem.read(h.u64(FV.off.ranges), nr * stride);
  const rows: { mr: bigint; start: bigint; last: bigint; offsetInRegion: bigint; romdMode: boolean; readonly: boolean }[] = [];
  let prevLast = -1n;
  for (let i = 0; i < nr; i++) {
    const r = new Bytes(arr.subarray(i * stride, (i + 1) * stride), `${what} range ${i}`);
    const span = int128Range(r.i128(FR.off['addr.start']), r.i128(FR.off['addr.size']));
    if (!span) throw new LayoutCheckError(what, `range ${i} has an Int128 start/size outside 64 bits`);
    if (span.start <= prevLast) throw new LayoutCheckError(what, `range ${i} starts at 0x${span.start.toString(16)}, not after the previous range's end 0x${prevLast.toString(16)}`);
    prevLast = span.last;
    rows.push({ mr: r.u64(FR.off.mr), ...span, offsetInRegion: r.u64(FR.off.offset_in_region), romdMode: r.u8(FR.off.romd_mode) !== 0, readonly: r.u8(FR.off.readonly) !== 0 });
  }
  return Promise.all(
    rows.map(async (row) => {
      const m = await region(row.mr);
      const romd = m.romd && row.romdMode;
      return {
        start: row.start,
        last: row.last,
        region: m.name,
        offsetInRegion: row.offsetInRegion,
        hva: m.host !== null && (m.ram || romd) ? m.host + row.offsetInRegion : null,
        ram: m.ram,
        readonly: row.readonly,
        romd,
      };
    }),
  );
}
