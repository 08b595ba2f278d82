// QEMU's own VhostIOVATree, as read from its memory (part 9), checked two ways:
// - aliases: nodes of the IOVA→HVA tree whose host ranges overlap. The legacy tree (QEMU 7.0–9.2)
//   holds guest memory there too and finds it again by HVA (vhost_iova_tree_find_iova), so two
//   nodes on the same HVA — low RAM and the SMRAM alias of it, say — make a region_del unmap
//   whichever node the lookup meets first: the aliased-unmap bug, visible before it happens.
// - against the model's tree (VhostIovaTree, replayed from a trace): node by node, in the key
//   order of each tree — IOVA, last (inclusive), translated address, permission, and the GPA of
//   the current layout's GPA→IOVA nodes.
import type { DMAMap } from './dmaMap.js';
import type { InternalIovaMap, InternalIovaTree } from './qemuInternals.js';
import type { VhostIovaDump } from './vhostIovaTree.js';
import { add64, hex } from './u64.js';

/** Host memory that two or more IOVA→HVA nodes translate to. */
export interface IovaTreeAlias {
  /** the shared host range, inclusive */
  hva: bigint;
  hvaLast: bigint;
  /** the nodes sharing it, in IOVA order */
  maps: InternalIovaMap[];
}

const hvaLast = (m: InternalIovaMap): bigint => add64(m.taddr, m.last - m.iova);

/** Overlapping host ranges among the IOVA→HVA nodes (GPA→IOVA nodes have no HVA). */
export function iovaTreeAliases(tree: InternalIovaTree): IovaTreeAlias[] {
  const byHva = tree.maps.filter((m) => m.gpa === undefined).sort((a, b) => (a.taddr < b.taddr ? -1 : a.taddr > b.taddr ? 1 : a.iova < b.iova ? -1 : 1));
  const out: IovaTreeAlias[] = [];
  for (let i = 0; i < byHva.length; i++) {
    const a = byHva[i]!;
    for (let j = i + 1; j < byHva.length && byHva[j]!.taddr <= hvaLast(a); j++) {
      const b = byHva[j]!;
      const last = hvaLast(a) < hvaLast(b) ? hvaLast(a) : hvaLast(b);
      const joined = out.find((x) => x.hva === b.taddr && x.hvaLast === last && x.maps.includes(a));
      if (joined) {
        if (!joined.maps.includes(b)) joined.maps.push(b);
      } else out.push({ hva: b.taddr, hvaLast: last, maps: [a, b] });
    }
  }
  for (const x of out) x.maps.sort((a, b) => (a.iova < b.iova ? -1 : 1));
  return out;
}

/** One sentence per alias, for people. */
export function describeAlias(a: IovaTreeAlias): string {
  return `HVA ${hex(a.hva)}-${hex(a.hvaLast)} is translated by ${a.maps.length} nodes: ${a.maps.map((m) => `IOVA ${hex(m.iova)}-${hex(m.last)}`).join(', ')} (a lookup by HVA finds the first in IOVA order)`;
}

/** The model's tree in the shape of QEMU's (what the memory reader returns). */
export function dumpAsInternal(dump: VhostIovaDump): InternalIovaTree {
  const node = (m: DMAMap, gpa: boolean): InternalIovaMap => ({ iova: m.iova, last: add64(m.iova, m.size), taddr: m.translatedAddr, ...(gpa ? { gpa: m.translatedAddr } : {}), perm: m.perm });
  if (dump.layout === 'legacy') return { layout: 'legacy', maps: dump.raw.map((m) => node(m, false)) };
  const maps = [...dump.taddr.map((m) => node(m, false)), ...dump.gpa.map((m) => node(m, true))];
  maps.sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
  return { layout: 'current', maps };
}

const PERMS = ['none', 'read', 'write', 'read-write'];
const mapText = (m: InternalIovaMap): string =>
  `IOVA ${hex(m.iova)}-${hex(m.last)} → ${m.gpa !== undefined ? `GPA ${hex(m.gpa)}` : `HVA ${hex(m.taddr)}`} ${PERMS[m.perm & 3]}`;

/**
 * Where QEMU's tree and the model's differ, one sentence each (empty: node for node the same).
 * Nodes are matched by tree (IOVA→HVA or GPA→IOVA) and IOVA.
 */
export function compareIovaTrees(qemu: InternalIovaTree, model: InternalIovaTree): string[] {
  if (qemu.layout !== model.layout) return [`QEMU's tree has the ${qemu.layout} layout, the model's the ${model.layout} one`];
  const key = (m: InternalIovaMap): string => `${m.gpa !== undefined ? 'gpa' : 'hva'} ${m.iova}`;
  const tree = (m: InternalIovaMap): string => (m.gpa !== undefined ? 'GPA→IOVA tree' : qemu.layout === 'legacy' ? 'IOVA tree' : 'IOVA→HVA tree');
  const theirs = new Map(model.maps.map((m) => [key(m), m]));
  const out: string[] = [];
  for (const q of qemu.maps) {
    const m = theirs.get(key(q));
    theirs.delete(key(q));
    if (!m) {
      out.push(`only in QEMU's ${tree(q)}: ${mapText(q)}`);
      continue;
    }
    const fields: string[] = [];
    if (q.last !== m.last) fields.push(`last ${hex(q.last)} vs ${hex(m.last)}`);
    if (q.taddr !== m.taddr) fields.push(`translated_addr ${hex(q.taddr)} vs ${hex(m.taddr)}`);
    if (q.perm !== m.perm) fields.push(`perm ${PERMS[q.perm & 3]} vs ${PERMS[m.perm & 3]}`);
    if (fields.length) out.push(`${tree(q)} node at IOVA ${hex(q.iova)}: QEMU vs model: ${fields.join(', ')}`);
  }
  for (const m of theirs.values()) out.push(`only in the model's ${tree(m)}: ${mapText(m)}`);
  return out;
}

/** The model's SVQ tree of one device in one layout, as the trace replay holds it. */
export interface ModelIovaTree {
  layout: 'legacy' | 'current';
  /** false once the trace contradicted this layout */
  consistent: boolean;
  tree: InternalIovaTree;
}

export type IovaCrossCheck = { status: 'equal' | 'different'; layout: 'legacy' | 'current'; differences: string[] } | { status: 'not-compared'; reason: string };

/**
 * QEMU's vhost-vdpa IOVA trees against the model's trees of a trace's SVQ devices. Compared when
 * both sides have exactly one device with a tree (the layout QEMU uses picks the model's tree);
 * otherwise says why not.
 */
export function crossCheckIovaTrees(qemu: readonly (InternalIovaTree | null)[], model: readonly ModelIovaTree[][]): IovaCrossCheck {
  const trees = qemu.filter((t): t is InternalIovaTree => t !== null);
  if (trees.length !== 1 || model.length !== 1) {
    return { status: 'not-compared', reason: `QEMU has ${trees.length} vhost-vdpa IOVA tree(s) and the trace ${model.length} device(s) with shadow virtqueues: only one of each can be paired` };
  }
  const live = trees[0]!;
  const mine = model[0]!.find((m) => m.layout === live.layout);
  if (!mine) return { status: 'not-compared', reason: `the replay ran no ${live.layout} tree (QEMU's layout); replay with --qemu-layout auto or ${live.layout}` };
  if (!mine.consistent) return { status: 'not-compared', reason: `the trace contradicted the ${live.layout} layout QEMU uses, so the model's tree of that layout is not QEMU's` };
  const differences = compareIovaTrees(live, mine.tree);
  return { status: differences.length ? 'different' : 'equal', layout: live.layout, differences };
}
