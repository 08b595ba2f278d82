// At a vhost_vdpa_listener_region_del or vhost_iova_tree_find_iova frame of QEMU, what QEMU's
// lookup is about to return: the frame's arguments are read through the C session (plain reads of
// `section->…` / `map->…`), the model runs QEMU's lookup on the live IOVA tree (regionDelAhead.ts).
import type { QemuInternals, InternalIovaTree } from '../model/qemuInternals.js';
import { findIovaAhead, regionDelAhead } from '../model/regionDelAhead.js';
import type { QemuMemory } from '../qemu/internals/index.js';

/** The frames IOVA Lens looks ahead at, by function name. */
export const isLookAheadFrame = (fn: string | undefined): boolean => fn !== undefined && /^(?:vhost_vdpa_listener_region_del|vhost_iova_tree_find_iova)\b/.test(fn);

function trees(s: QemuInternals): InternalIovaTree[] {
  const seen = new Set<string>();
  const out: InternalIovaTree[] = [];
  for (const v of s.vhost) {
    if (!v.iovaTree) continue;
    const key = JSON.stringify(v.iovaTree.maps, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString(16) : x));
    if (!seen.has(key)) out.push(v.iovaTree);
    seen.add(key);
  }
  return out;
}

/** What the frame's lookup will return, one paragraph per distinct live tree; undefined for other frames. */
export async function lookAhead(fn: string | undefined, frame: QemuMemory, s: QemuInternals): Promise<string | undefined> {
  if (!isLookAheadFrame(fn)) return undefined;
  const live = trees(s);
  if (live.length === 0) return `${fn}: QEMU holds no vhost-vdpa IOVA tree (no shadow virtqueues), so there is no lookup to look ahead at`;
  let said: (t: InternalIovaTree) => string;
  try {
    if (fn!.startsWith('vhost_iova_tree_find_iova')) {
      const [translatedAddr, size] = await Promise.all([frame.evaluate('map->translated_addr'), frame.evaluate('map->size')]);
      said = (t) => findIovaAhead(t, { translatedAddr, size });
    } else {
      // Int128 fields read as their low 64 bits: a RAM section is never 2^64 long
      const [gpa, size, offsetInRegion, readonly, ram, ramBlock] = await Promise.all(
        ['section->offset_within_address_space', 'section->size', 'section->offset_within_region', 'section->readonly', 'section->mr->ram', 'section->mr->ram_block'].map((e) => frame.evaluate(e)),
      );
      const ramPtr = ramBlock! === 0n ? undefined : await frame.evaluate('section->mr->ram_block->host');
      said = (t) => regionDelAhead(t, { gpa: gpa!, size: size!, offsetInRegion: offsetInRegion!, readonly: readonly !== 0n, kind: ram !== 0n ? 'ram' : 'io', ...(ramPtr !== undefined ? { ramPtr } : {}) });
    }
  } catch (e) {
    return `${fn}: cannot read the frame's arguments (${(e as Error).message})`;
  }
  return live.map((t, i) => `${live.length > 1 ? `tree ${i + 1} (${t.layout}): ` : `at ${fn} (${t.layout} tree): `}${said(t)}`).join('\n');
}
