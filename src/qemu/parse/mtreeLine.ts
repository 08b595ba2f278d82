// Pieces shared by the tree and flat `info mtree` grammars: the range/priority/type prefix and the
// optional right-hand suffixes. Region names are free text (spaces, brackets, colons), so fixed
// fields are taken from the left and suffixes from the right; we never split on spaces.

/** Type token after the priority: ram, rom, romd, ramd, i/o, container (QEMU ≥ 11). */
export type MtreeType = string;

/** What the range is, for users: the type token, except IOMMU regions (printed as i/o) get their own kind. */
export type MtreeKind = 'ram' | 'rom' | 'romd' | 'ramd' | 'i/o' | 'iommu' | 'container';

export interface MtreeLineHead {
  /** Number of leading spaces (two per tree level). */
  indent: number;
  start: bigint;
  /** Inclusive end, as printed. */
  last: bigint;
  priority: number;
  type: MtreeType;
  nonVolatile: boolean;
  rest: string;
}

const HEAD = /^(?<indent> +)(?<start>[0-9a-f]{16})-(?<end>[0-9a-f]{16}) \(prio (?<prio>-?\d+), (?<nv>nv-)?(?<type>[a-z/]+)\): (?<rest>.*)$/;
const OVERFLOW = '[DETECTED OVERFLOW!] ';

export function matchHead(line: string): MtreeLineHead | undefined {
  const l = line.startsWith(OVERFLOW) ? line.slice(OVERFLOW.length) : line;
  const m = HEAD.exec(l);
  if (!m?.groups) return undefined;
  const g = m.groups;
  return {
    indent: g.indent.length,
    start: BigInt('0x' + g.start),
    last: BigInt('0x' + g.end),
    priority: Number(g.prio),
    type: g.type,
    nonVolatile: g.nv !== undefined,
    rest: g.rest,
  };
}

// Accelerators that register memory slots and get their name appended to flat ranges (QEMU ≥ 4.1).
// Only these words are stripped: a region may legitimately end in any other word.
const ACCELS = new Set(['kvm', 'hvf', 'whpx', 'nvmm', 'xen', 'mshv']);
const OWNER = / (?:owner|parent):\{[^}]*\}$/;

export interface Suffixes {
  text: string;
  accel: string[];
  owner: string | undefined;
  disabled: boolean;
}

/** Strip, from the right: accelerator names, `-o` owner/parent blocks or ` orphan`, ` [disabled]`. */
export function stripSuffixes(rest: string): Suffixes {
  let text = rest;
  const accel: string[] = [];
  for (;;) {
    const sp = text.lastIndexOf(' ');
    const word = text.slice(sp + 1);
    if (sp < 0 || !ACCELS.has(word)) break;
    accel.unshift(word);
    text = text.slice(0, sp);
  }
  const owners: string[] = [];
  for (let m = OWNER.exec(text); m; m = OWNER.exec(text)) {
    owners.unshift(m[0].trim());
    text = text.slice(0, m.index);
  }
  if (text.endsWith(' orphan')) {
    owners.push('orphan');
    text = text.slice(0, -' orphan'.length);
  }
  let disabled = false;
  if (text.endsWith(' [disabled]')) {
    disabled = true;
    text = text.slice(0, -' [disabled]'.length);
  }
  return { text, accel, owner: owners.length ? owners.join(' ') : undefined, disabled };
}

// IOMMU regions print as i/o; their names give them away: VT-d `vtd-DD.F-dmar` (and
// `-pasid-N-dmar`), SMMUv3 / virtio-iommu `…iommu-memory-region…`.
const IOMMU_NAME = /-dmar$|iommu-memory-region|^virtio-iommu-mr/;

export function regionKind(type: MtreeType, name: string): MtreeKind {
  if (type === 'i/o' && IOMMU_NAME.test(name)) return 'iommu';
  if (type === 'ram' || type === 'rom' || type === 'romd' || type === 'ramd' || type === 'container') return type;
  return 'i/o';
}
