// The last step of a chain: which device IOVA(s) reach a GPA / HVA. Which rule applies depends
// on the mode (qemu-semantics §0.1, §3.4): with an SVQ tree QEMU allocated the IOVA and finds it
// by GPA (current layout) or by HVA (legacy layout, first overlap in IOVA order); without SVQ the
// device IOVA is the GPA (no vIOMMU) or the guest IOVA (vIOMMU). The device IOTLB then says
// whether the device really has that IOVA, and with what permission.
import type { DeviceIotlb, IotlbEntry } from './iotlb/deviceIotlb.js';
import { addNote, iotlbOwner, iovaWhere, notMapped, treeOwner } from './resolverOwners.js';
import type { Hop, IovaTreeView } from './translation.js';
import { add64, hex, sub64 } from './u64.js';

/** Chains found from one point on; the first chain is the main one. */
export interface Branch {
  chains: Hop[][];
  error?: string;
}

export interface IovaStepContext {
  iotlb?: DeviceIotlb;
  tree?: IovaTreeView;
  asid: number;
}

/** Where we stand when looking for the IOVA: any of GPA, HVA, and the guest IOVA we came from. */
export interface IovaStepFrom {
  gpa?: bigint;
  hva?: bigint;
  giova?: bigint;
}

export const treeLayout = (t: IovaTreeView): 'current' | 'legacy' => t.layout ?? (t.findGpa ? 'current' : 'legacy');

function entryHop(c: IovaStepContext, iova: bigint, e: IotlbEntry, note?: string): Hop {
  const device = c.iotlb?.device ?? '';
  const hop: Hop = { space: 'iova', addr: iova, asid: c.asid, owner: iotlbOwner(e, device), perm: e.perm };
  if (device) hop.device = device;
  if (note) hop.note = note;
  return hop;
}

export function iovaStep(c: IovaStepContext, from: IovaStepFrom): Branch {
  if (c.tree) {
    const viaTree = treeStep(c, c.tree, from);
    if (viaTree) return viaTree;
  }
  return c.iotlb ? iotlbStep(c, c.iotlb, from) : { chains: [] };
}

/** SVQ: QEMU's own bookkeeping decides the IOVA; undefined when the tree has no key to use. */
function treeStep(c: IovaStepContext, tree: IovaTreeView, from: IovaStepFrom): Branch | undefined {
  const byGpa = treeLayout(tree) === 'current' && from.gpa !== undefined && tree.findGpa !== undefined;
  const key = byGpa ? from.gpa : from.hva;
  if (key === undefined) return undefined;
  const kind = byGpa ? 'GPA' : 'HVA';
  const node = byGpa ? tree.findGpa!({ translatedAddr: key, size: 0n }) : tree.findIova({ translatedAddr: key, size: 0n });
  if (!node) return { chains: [], error: notMapped(key, `the SVQ ${kind}→IOVA tree`) };
  // Offset arithmetic in u64, as the SVQ translation does.
  const iova = add64(node.iova, sub64(key, node.translatedAddr));
  const how = `IOVA from the SVQ ${kind}→IOVA tree${kind === 'HVA' && treeLayout(tree) === 'legacy' ? ' (legacy: first overlap in IOVA order)' : ''}`;
  const hop: Hop = { space: 'iova', addr: iova, asid: c.asid, owner: treeOwner(node, kind), perm: node.perm, note: how };
  if (!c.iotlb) return { chains: [[hop]] };
  if (c.iotlb.device) hop.device = c.iotlb.device;
  const tr = c.iotlb.translate(c.asid, iova);
  if (!tr.ok) {
    const detail = `the SVQ tree maps ${kind} ${hex(key)} to it but the device IOTLB has no entry there`;
    return { chains: [[hop]], error: notMapped(iova, iovaWhere(c.asid, c.iotlb.device), detail) };
  }
  const out = entryHop(c, iova, tr.entry, how);
  if (from.hva !== undefined && tr.hva !== from.hva) addNote(out, `device IOTLB sends it to HVA ${hex(tr.hva)}, not ${hex(from.hva)}`);
  return { chains: [[out]] };
}

/** No SVQ: identity (IOVA = guest IOVA, else GPA), then a reverse search by HVA. */
function iotlbStep(c: IovaStepContext, iotlb: DeviceIotlb, from: IovaStepFrom): Branch {
  const candidate = from.giova ?? from.gpa;
  const rule = from.giova !== undefined ? 'device IOVA = guest IOVA (vIOMMU)' : 'device IOVA = GPA (no SVQ, no vIOMMU)';
  const tr = candidate === undefined ? undefined : iotlb.translate(c.asid, candidate);
  if (tr?.ok && (from.hva === undefined || tr.hva === from.hva)) return { chains: [[entryHop(c, candidate!, tr.entry, rule)]] };
  // With a vIOMMU the IOVA is the guest's: a different HVA there is a stale entry worth showing.
  if (tr?.ok && from.giova !== undefined) {
    const hop = entryHop(c, candidate!, tr.entry, rule);
    addNote(hop, `device IOTLB sends it to HVA ${hex(tr.hva)}, not ${hex(from.hva!)}`);
    return { chains: [[hop]] };
  }
  if (from.hva !== undefined) {
    const hva = from.hva;
    const found = iotlb.entriesForHva(c.asid, hva);
    const atCandidate = tr === undefined ? '' : tr.ok ? `IOVA ${hex(candidate!)} holds HVA ${hex(tr.hva)} instead` : `no IOTLB entry at IOVA ${hex(candidate!)}`;
    const how = atCandidate ? `${atCandidate} (${rule} does not hold); found by HVA` : 'found by HVA in the device IOTLB';
    if (found.length) return { chains: found.map((e) => [entryHop(c, e.iova + (hva - e.uaddr), e, how)]) };
  }
  const where = iovaWhere(c.asid, iotlb.device);
  if (candidate === undefined) return { chains: [], error: notMapped(from.hva!, where, 'no IOTLB entry holds this HVA') };
  const detail = from.hva === undefined ? undefined : tr?.ok ? `it maps to HVA ${hex(tr.hva)}, not ${hex(from.hva)}, and no entry holds that HVA` : `no entry there, and none holds HVA ${hex(from.hva)}`;
  return { chains: [], error: notMapped(candidate, where, detail) };
}
