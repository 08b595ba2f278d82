// Resolve one address of any space into the whole chain GIOVA → GPA → HVA → IOVA (or the part
// of it that applies), naming at each hop the object that maps it. One address can have several
// images (aliased RAM shows one HVA at several GPAs; one HVA can sit at several IOVAs): the first
// is the main chain, the rest are `alternatives`. Every context part is optional so the trace
// engine, a live snapshot and the debug adapter each fill what they have.
import type { DeviceIotlb } from './iotlb/deviceIotlb.js';
import type { GuestMemoryMap } from './memory/guestMemoryMap.js';
import { iovaStep, type Branch, type IovaStepContext } from './resolverIova.js';
import { addNote, gpaHop, hvaHop, iotlbOwner, iovaWhere, notMapped } from './resolverOwners.js';
import type { GiovaTranslator, Hop, IovaTreeView, Resolution, Space } from './translation.js';
import { hex, isU64 } from './u64.js';

export interface ResolveContext {
  memory?: GuestMemoryMap;
  /** device IOTLBs known (vhost / vhost-vdpa devices) */
  iotlbs?: readonly DeviceIotlb[];
  /** the SVQ VhostIovaTree when the shadow virtqueue owns the IOVA space */
  svqTree?: IovaTreeView;
  viommu?: GiovaTranslator;
  /** default device: 'BB:DD.F' for GIOVA lookups, also used to pick the device IOTLB */
  device?: string;
  /** default ASID (guest memory is always in ASID 0) */
  asid?: number;
}

export interface ResolveOptions {
  device?: string;
  asid?: number;
  /** access used for the vIOMMU walk */
  access?: 'read' | 'write';
}

const SPACE_NAME: Record<Space, string> = { giova: 'GIOVA', gpa: 'GPA', hva: 'HVA', iova: 'IOVA' };

/** The IOTLB of `device`, or the only one when there is just one. */
export function pickIotlb(iotlbs: readonly DeviceIotlb[] | undefined, device: string | undefined): DeviceIotlb | undefined {
  if (!iotlbs?.length) return undefined;
  const named = device === undefined ? undefined : iotlbs.find((t) => t.device === device);
  return named ?? (iotlbs.length === 1 ? iotlbs[0] : undefined);
}

export function resolve(space: Space, addr: bigint, ctx: ResolveContext, opts: ResolveOptions = {}): Resolution {
  if (typeof addr !== 'bigint' || !isU64(addr)) return { hops: [], alternatives: [], error: `${SPACE_NAME[space]} address ${String(addr)} is not a u64` };
  const device = opts.device ?? ctx.device;
  const asid = opts.asid ?? ctx.asid ?? 0;
  const step: IovaStepContext = { asid };
  const iotlb = pickIotlb(ctx.iotlbs, device);
  if (iotlb) step.iotlb = iotlb;
  if (ctx.svqTree) step.tree = ctx.svqTree;

  let res: Resolution;
  switch (space) {
    case 'giova':
      res = fromGiova(ctx, step, addr, device, opts.access);
      break;
    case 'gpa':
      res = join([], fromGpa(ctx.memory, step, addr));
      break;
    case 'hva':
      res = fromHva(ctx.memory, step, addr);
      break;
    case 'iova':
      res = fromIova(ctx.memory, step, addr);
      break;
  }
  if (res.hops.length <= 1 && !res.error) res.error = `${hex(addr)} cannot be resolved: the context has no model that translates ${SPACE_NAME[space]} addresses`;
  return res;
}

/** Prefix every chain of a branch; the first becomes the main chain. */
function join(prefix: Hop[], b: Branch): Resolution {
  const [main, ...rest] = b.chains.length ? b.chains : [[]];
  const res: Resolution = { hops: [...prefix, ...main!], alternatives: rest.map((c) => [...prefix, ...c]) };
  if (b.error) res.error = b.error;
  return res;
}

/** Fold further resolutions into `alternatives`; their errors become notes on their last hop. */
function merge(main: Resolution, others: Resolution[]): Resolution {
  for (const o of others) {
    for (const chain of [o.hops, ...o.alternatives]) {
      if (o.error && chain === o.hops && chain.length) addNote(chain[chain.length - 1]!, o.error);
      main.alternatives.push(chain);
    }
  }
  return main;
}

function fromGiova(ctx: ResolveContext, step: IovaStepContext, giova: bigint, device: string | undefined, access?: 'read' | 'write'): Resolution {
  const hop: Hop = { space: 'giova', addr: giova };
  if (device !== undefined) hop.device = device;
  if (!ctx.viommu) return { hops: [hop], alternatives: [], error: `${hex(giova)} cannot be resolved: the context has no vIOMMU model for GIOVA addresses` };
  if (device === undefined) return { hops: [hop], alternatives: [], error: `${hex(giova)} is a GIOVA but no device was given (GIOVAs are per device)` };
  const tr = ctx.viommu.translate(device, giova, access);
  if (!tr.ok) return { hops: [hop], alternatives: [], error: notMapped(giova, `the vIOMMU for device ${device} (GIOVA)`, tr.reason) };
  hop.owner = tr.owner;
  hop.perm = tr.perm;
  return join([hop], fromGpa(ctx.memory, step, tr.gpa, giova));
}

/** GPA → HVA (memory map) → IOVA. */
function fromGpa(memory: GuestMemoryMap | undefined, step: IovaStepContext, gpa: bigint, giova?: bigint): Branch {
  const from = giova === undefined ? { gpa } : { gpa, giova };
  if (!memory) return prefixed([{ space: 'gpa', addr: gpa }], iovaStep(step, from));
  const r = memory.gpaToHva(gpa);
  if (!r.ok) {
    const hop: Hop = r.range ? gpaHop(memory, gpa, r.range) : { space: 'gpa', addr: gpa };
    return { chains: [[hop]], error: notMapped(gpa, 'guest RAM (GPA)', r.reason) };
  }
  const g = gpaHop(memory, gpa, r.range);
  const h = hvaHop(memory, r.hva, r.range);
  const elsewhere = memory.hvaToGpas(r.hva).filter((v) => v.gpa !== gpa);
  if (elsewhere.length) addNote(h, `also visible at GPA ${elsewhere.map((v) => hex(v.gpa)).join(', ')}`);
  return prefixed([g, h], iovaStep(step, { ...from, hva: r.hva }));
}

function prefixed(prefix: Hop[], b: Branch): Branch {
  const out: Branch = { chains: b.chains.length ? b.chains.map((c) => [...prefix, ...c]) : [prefix] };
  if (b.error) out.error = b.error;
  return out;
}

/** HVA → every GPA showing it → IOVA; an HVA outside guest RAM may still have an IOVA (SVQ rings). */
function fromHva(memory: GuestMemoryMap | undefined, step: IovaStepContext, hva: bigint): Resolution {
  const views = memory?.hvaToGpas(hva) ?? [];
  if (!views.length) {
    const hop: Hop = { space: 'hva', addr: hva };
    const tail = iovaStep(step, { hva });
    const res = join([hop], tail);
    if (memory) addNote(hop, 'not guest RAM in the flat view');
    if (memory && res.hops.length === 1) res.error = notMapped(hva, 'guest memory (HVA)', `no flat range is backed by it${tail.error ? `, and ${tail.error}` : ''}`);
    return res;
  }
  const chains = views.map((v) => join([hvaHop(memory!, hva, v.range), gpaHop(memory!, v.gpa, v.range)], iovaStep(step, { gpa: v.gpa, hva })));
  return merge(chains[0]!, chains.slice(1));
}

/** IOVA → device IOTLB entry → HVA → every GPA showing it. */
function fromIova(memory: GuestMemoryMap | undefined, step: IovaStepContext, iova: bigint): Resolution {
  const hop: Hop = { space: 'iova', addr: iova, asid: step.asid };
  const iotlb = step.iotlb;
  if (!iotlb) return { hops: [hop], alternatives: [], error: `${hex(iova)} cannot be resolved: the context has no device IOTLB for IOVA addresses` };
  if (iotlb.device) hop.device = iotlb.device;
  const tr = iotlb.translate(step.asid, iova);
  if (!tr.ok) return { hops: [hop], alternatives: [], error: notMapped(iova, iovaWhere(step.asid, iotlb.device)) };
  hop.owner = iotlbOwner(tr.entry, iotlb.device);
  hop.perm = tr.entry.perm;
  const views = memory?.hvaToGpas(tr.hva) ?? [];
  if (!views.length) {
    const h: Hop = { space: 'hva', addr: tr.hva };
    if (memory) h.note = 'not guest RAM in the flat view (host-only memory such as an SVQ vring or a CVQ buffer)';
    return { hops: [hop, h], alternatives: [] };
  }
  const [main, ...rest] = views.map((v) => [hop, hvaHop(memory!, tr.hva, v.range), gpaHop(memory!, v.gpa, v.range)]);
  return { hops: main!, alternatives: rest };
}
