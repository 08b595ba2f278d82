// The translation tree of a trace at a line: the language server's state (StateAtResult) laid
// out as the webview shows it, and its resolve answers tied to the tree nodes they go through.
// Node ids are built from what identifies a mapping across lines (table, start, creating line),
// never from positions, so expansion and selection survive moving the cursor.
import { add64, hex, sub64 } from '../model/u64.js';
import type { StateAtResult, WireTable } from './protocol/lsp.js';
import type { WireResolveAnswer } from './protocol/resolveWire.js';
import { spaceTitle, type Space } from '../trace/replay/spaces.js';
import type { SpaceStrip, TranslationView, ViewHop, ViewNode, ViewResolution } from './translationView.js';

export interface TraceSourceAt {
  uri: string;
  /** 1-based line the state is taken at */
  line: number;
  lines: number;
}

/** Top-level sections, in the order users read the translation: memory first, rings last. */
export const SECTION_IDS = ['memory', 'iova', 'viommu', 'device-iotlb', 'virtqueues'] as const;
export type SectionId = (typeof SECTION_IDS)[number];

const SECTION_TITLE: Record<SectionId, string> = {
  memory: 'Guest memory',
  iova: 'IOVA trees',
  viommu: 'vIOMMU',
  'device-iotlb': 'Device IOTLB',
  virtqueues: 'Virtqueues',
};

const SECTION_OF_KIND: Record<string, SectionId> = {
  section: 'memory',
  'mem-table': 'memory',
  iotlb: 'iova',
  'iotlb-orphan': 'iova',
  viommu: 'viommu',
  'virtio-iommu': 'viommu',
  'device-iotlb': 'device-iotlb',
};

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * A length a person reads at a glance: the largest binary unit it reaches ("2 GiB", "128 KiB");
 * a length that unit does not divide gets two decimals (cut, never rounded up) and its exact hex
 * after it, since a byte off matters here ("1.98 GiB (0x7eda0000)").
 */
export function sizeText(len: bigint): string {
  if (len < 1024n) return `${len} ${len === 1n ? 'byte' : 'bytes'}`;
  let unit = 1;
  while (unit < UNITS.length - 1 && len >= 1n << BigInt(10 * (unit + 1))) unit++;
  const div = 1n << BigInt(10 * unit);
  if (len % div === 0n) return `${len / div} ${UNITS[unit]}`;
  const hundredths = (len * 100n) / div;
  const whole = hundredths / 100n;
  const frac = (hundredths % 100n).toString().padStart(2, '0').replace(/0+$/, '');
  return `${whole}${frac ? `.${frac}` : ''} ${UNITS[unit]} (${hex(len)})`;
}

const rangeText = (space: Space, start: string, last: string): string => `${spaceTitle[space]} [${start}, ${last}]`;

function tableKey(t: WireTable): string {
  return `${t.kind}:${t.owner}:${t.asid ?? '-'}:${t.device ?? '-'}`;
}

/** Smallest 2^k − 1 covering `last`: strips start at 0 and end on a power of two. */
function stripEnd(last: bigint): bigint {
  let k = 12n;
  while (k < 64n && last >> k !== 0n) k++;
  return (1n << k) - 1n;
}

/** Ranges of one table whose targets overlap another mapping's target: aliased host memory. */
function aliasesOf(t: WireTable): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const ranges = t.mappings.map((m) => {
    const start = BigInt(m.target);
    return { start, last: add64(start, sub64(BigInt(m.last), BigInt(m.start))) };
  });
  for (let i = 0; i < ranges.length; i++)
    for (let j = 0; j < ranges.length; j++) {
      if (i === j || ranges[i].last < ranges[j].start || ranges[j].last < ranges[i].start) continue;
      const m = t.mappings[j];
      const list = out.get(i) ?? [];
      list.push(`${rangeText(t.keySpace, m.start, m.last)} (line ${m.createdLine})`);
      out.set(i, list);
    }
  return out;
}

function tableNode(t: WireTable, id: string, line: number): ViewNode {
  const aliases = t.kind === 'section' || t.kind === 'mem-table' ? aliasesOf(t) : new Map<number, string[]>();
  const used = new Set<string>();
  const children = t.mappings.map((m, i): ViewNode => {
    let mid = `${id}/map:${m.start}@${m.createdLine}`;
    for (let n = 2; used.has(mid); n++) mid = `${id}/map:${m.start}@${m.createdLine}#${n}`;
    used.add(mid);
    const len = BigInt(m.last) - BigInt(m.start) + 1n;
    const alias = aliases.get(i);
    // the permission is a field of its own (the tree shows it as a badge), not repeated here
    const detail = [`→ ${spaceTitle[t.targetSpace]} ${m.target}`, sizeText(len), `line ${m.createdLine}`];
    if (alias) detail.push(`${spaceTitle[t.targetSpace]} aliased by ${alias.join(', ')}`);
    return {
      id: mid,
      label: rangeText(t.keySpace, m.start, m.last),
      detail: detail.join(' · '),
      space: t.keySpace,
      start: m.start,
      last: m.last,
      target: { space: t.targetSpace, start: m.target },
      owner: m.owner ?? t.owner,
      perm: m.perm,
      createdLine: m.createdLine,
    };
  });
  const count = t.mappings.length;
  return {
    id,
    label: t.label,
    detail: `${spaceTitle[t.keySpace]} → ${spaceTitle[t.targetSpace]} · ${count === 0 ? `no mappings at line ${line}` : count === 1 ? '1 mapping' : `${count} mappings`}`,
    owner: t.owner,
    children,
  };
}

function stripOf(t: WireTable, node: ViewNode): SpaceStrip | undefined {
  const maps = node.children ?? [];
  if (maps.length === 0) return undefined;
  const maxLast = maps.reduce((a, m) => (BigInt(m.last!) > a ? BigInt(m.last!) : a), 0n);
  const segments = maps
    .map((m) => ({ start: m.start!, last: m.last!, label: `${m.label} → ${spaceTitle[m.target!.space]} ${m.target!.start} (line ${m.createdLine})`, nodeId: m.id }))
    .sort((a, b) => (BigInt(a.start) < BigInt(b.start) ? -1 : BigInt(a.start) > BigInt(b.start) ? 1 : 0));
  return { id: `strip:${node.id}`, title: `${t.label} (${spaceTitle[t.keySpace]})`, space: t.keySpace, start: '0x0', last: hex(stripEnd(maxLast)), segments };
}

/** The tree of a trace's state at a line: sections → device → ASID → table → mappings. */
export function viewFromState(state: StateAtResult, source: TraceSourceAt): TranslationView {
  const groups = new Map<SectionId, Map<string, ViewNode>>();
  const strips: SpaceStrip[] = [];
  const notes: string[] = [];
  const usedTables = new Set<string>();
  const tableCount = new Map<ViewNode, number>();
  for (const t of state.tables) {
    const sec = SECTION_OF_KIND[t.kind];
    if (!sec) {
      notes.push(`table "${t.label}" of kind "${t.kind}" is not shown: the view does not know that kind`);
      continue;
    }
    const byDevice = groups.get(sec) ?? new Map<string, ViewNode>();
    groups.set(sec, byDevice);
    const devName = t.device ?? t.owner;
    const devId = `${sec}/dev:${devName}`;
    let dev = byDevice.get(devId);
    if (!dev) {
      dev = { id: devId, label: devName, children: [] };
      byDevice.set(devId, dev);
    }
    let parent = dev;
    if (t.asid !== undefined) {
      const asidId = `${devId}/asid:${t.asid}`;
      parent = dev.children!.find((c) => c.id === asidId) ?? { id: asidId, label: `ASID ${t.asid}`, children: [] };
      if (!dev.children!.includes(parent)) dev.children!.push(parent);
    }
    let id = `${parent.id}/table:${tableKey(t)}`;
    for (let n = 2; usedTables.has(id); n++) id = `${parent.id}/table:${tableKey(t)}#${n}`;
    usedTables.add(id);
    const node = tableNode(t, id, state.line);
    parent.children!.push(node);
    tableCount.set(dev, (tableCount.get(dev) ?? 0) + 1);
    if (parent !== dev) tableCount.set(parent, (tableCount.get(parent) ?? 0) + 1);
    const strip = stripOf(t, node);
    if (strip) strips.push(strip);
  }
  const sections = SECTION_IDS.map((sec): ViewNode => {
    const devices = [...(groups.get(sec)?.values() ?? [])];
    for (const d of devices) {
      d.detail = plural(tableCount.get(d) ?? 0, 'table');
      for (const a of d.children ?? []) if (tableCount.has(a)) a.detail = plural(tableCount.get(a)!, 'table');
    }
    return { id: sec, label: SECTION_TITLE[sec], detail: devices.length === 0 ? `none at line ${state.line}` : plural(devices.length, 'device'), children: devices };
  });
  if (state.tables.every((t) => t.mappings.length === 0)) notes.push(`nothing is mapped at line ${state.line}: no live vhost, vDPA, VT-d or virtio-iommu mapping`);
  notes.push('Virtqueues and descriptor chains come from a live debug session: a trace records no ring contents.');
  return { source: { kind: 'trace', uri: source.uri, line: source.line, lines: source.lines }, sections, strips, notes };
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

interface MappingRef {
  id: string;
  space: Space;
  start: bigint;
  last: bigint;
  targetSpace: Space;
  target: bigint;
  createdLine?: number;
}

function mappingsOf(view: TranslationView): MappingRef[] {
  const out: MappingRef[] = [];
  const walk = (n: ViewNode): void => {
    if (n.space && n.start !== undefined && n.last !== undefined && n.target)
      out.push({ id: n.id, space: n.space, start: BigInt(n.start), last: BigInt(n.last), targetSpace: n.target.space, target: BigInt(n.target.start), createdLine: n.createdLine });
    n.children?.forEach(walk);
  };
  view.sections.forEach(walk);
  return out;
}

/**
 * The mapping that took `from` to `to`, made at the hop's line: forward (it holds `from` and
 * lands exactly on `to`) or, for the HVA → GPA step the resolver takes through the memory
 * sections, backward (it holds `to` and lands exactly on `from`).
 */
function holder(maps: MappingRef[], from: ViewHop, to: ViewHop): string | undefined {
  const a = BigInt(from.addr);
  const b = BigInt(to.addr);
  const sameLine = (m: MappingRef): boolean => to.createdLine === undefined || m.createdLine === to.createdLine;
  const carries = (m: MappingRef, key: bigint, value: bigint): boolean => m.start <= key && key <= m.last && add64(m.target, key - m.start) === value;
  const forward = maps.find((m) => m.space === from.space && m.targetSpace === to.space && sameLine(m) && carries(m, a, b));
  if (forward) return forward.id;
  return maps.find((m) => m.space === to.space && m.targetSpace === from.space && sameLine(m) && carries(m, b, a))?.id;
}

/** A resolve answer (trace or live) as the webview shows it: each hop tied to the tree node that translates it. */
export function viewResolution(query: string, r: WireResolveAnswer, view?: TranslationView): ViewResolution {
  const maps = view ? mappingsOf(view) : [];
  const chains = [r.hops, ...r.alternatives]
    .filter((c) => c.length > 0)
    .map((chain) => {
      // a hop's own note (alias windows) is the text surfaces' business: the box shows the hop's fields
      const hops: ViewHop[] = chain.map(({ note: _note, ...h }) => ({ ...h }));
      for (let i = 1; i < hops.length; i++) {
        const id = holder(maps, hops[i - 1], hops[i]);
        if (id !== undefined) hops[i].nodeId = id;
      }
      // the address asked for lies in the key range of the first mapping
      if (hops.length > 1 && hops[1].nodeId !== undefined) hops[0].nodeId = hops[1].nodeId;
      return hops;
    });
  return { query, chains, ...(r.error !== undefined ? { error: r.error } : {}), ...(r.note !== undefined ? { note: r.note } : {}) };
}
