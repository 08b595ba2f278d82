// RAM blocks: ram_list.blocks (a QLIST of RAMBlock), each with its idstr, ram_addr_t offset,
// used/max length and host address — what `info ramblock` prints.
import type { InternalRamBlock } from '../../../model/qemuInternals.js';
import { LayoutCheckError } from '../errors.js';
import { layoutOf, MAX_LIST } from '../layout.js';
import { Bytes, type QemuMemory } from '../qemuMemory.js';

export async function readRamBlocks(mem: QemuMemory): Promise<InternalRamBlock[]> {
  const L = await layoutOf(mem, 'RAMBlock', ['host', 'offset', 'used_length', 'max_length', 'idstr', 'next.le_next']);
  const idLen = Number((await mem.sizeOf('RAMBlock')) - L.off.idstr);
  const out: InternalRamBlock[] = [];
  const seen = new Set<bigint>();
  for (let p = await mem.evaluate('ram_list.blocks.lh_first'); p !== 0n; ) {
    if (seen.has(p) || seen.size >= MAX_LIST) throw new LayoutCheckError('ram_list.blocks', `the list does not end (block 0x${p.toString(16)} again or more than ${MAX_LIST})`);
    seen.add(p);
    const b = new Bytes(await mem.read(p, Number(L.size)), `RAMBlock at 0x${p.toString(16)}`);
    out.push({ name: b.cstr(L.off.idstr, Math.min(idLen, 256)), offset: b.u64(L.off.offset), usedLength: b.u64(L.off.used_length), maxLength: b.u64(L.off.max_length), host: b.u64(L.off.host) });
    p = b.u64(L.off['next.le_next']);
  }
  return out;
}
