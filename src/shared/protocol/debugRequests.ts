// Custom DAP requests the extension sends to the IOVA Lens debug adapter, declared once for both
// ends and checked on arrival with the protocol validator kit (check.ts).
//  - iovaLens/resolve: resolve an address in the live VM; the answer is the model's ResolveAnswer
//    on the wire (addresses as hex strings), the same shape the language server's resolve gives,
//    so the translation tree highlights live chains exactly like trace chains.
import { hex } from '../../model/u64.js';
import type { Perm } from '../../model/access.js';
import type { ResolveAnswer, ResolveHop } from '../../model/resolution.js';
import type { Space } from '../../model/space.js';
import { arr, hexAddr, obj, optInt, optStr, space, str, type Obj } from './check.js';
import type { WireHop } from './lsp.js';

export const RESOLVE_REQUEST = 'iovaLens/resolve';

export interface ResolveRequestArgs {
  /** the space ADDR is in; absent: every space it is valid in */
  space?: Space;
  addr: string;
  /** PCI "BB:DD.F", required for giova */
  device?: string;
}

/** A ResolveAnswer on the wire (no line: a live answer is as of now). */
export interface WireAnswer {
  hops: WireHop[];
  alternatives: WireHop[][];
  error?: string;
  note?: string;
}

const wireHop = (h: ResolveHop): WireHop => ({ ...h, addr: hex(h.addr) });

export function wireAnswer(a: ResolveAnswer): WireAnswer {
  return {
    hops: a.hops.map(wireHop),
    alternatives: a.alternatives.map((c) => c.map(wireHop)),
    ...(a.error !== undefined ? { error: a.error } : {}),
    ...(a.note !== undefined ? { note: a.note } : {}),
  };
}

export function parseResolveArgs(raw: unknown): ResolveRequestArgs {
  const o = obj(raw, 'arguments');
  const out: ResolveRequestArgs = { addr: hexAddr(o.addr, 'arguments.addr') };
  if (o.space !== undefined) out.space = space(o.space, 'arguments.space');
  const device = optStr(o.device, 'arguments.device', 16);
  if (device !== undefined) out.device = device;
  return out;
}

function checkHop(v: unknown, path: string): WireHop {
  const o: Obj = obj(v, path);
  const h: WireHop = { space: space(o.space, `${path}.space`), addr: hexAddr(o.addr, `${path}.addr`) };
  const owner = optStr(o.owner, `${path}.owner`);
  if (owner !== undefined) h.owner = owner;
  const perm = optInt(o.perm, `${path}.perm`, 0, 3);
  if (perm !== undefined) h.perm = perm as Perm;
  const line = optInt(o.createdLine, `${path}.createdLine`, 1);
  if (line !== undefined) h.createdLine = line;
  const asid = optInt(o.asid, `${path}.asid`, 0, 0xffff_ffff);
  if (asid !== undefined) h.asid = asid;
  const device = optStr(o.device, `${path}.device`, 64);
  if (device !== undefined) h.device = device;
  return h;
}

const chain = (v: unknown, path: string): WireHop[] => arr(v, path, 64).map((h, i) => checkHop(h, `${path}[${i}]`));

/** The adapter's answer, checked before the extension uses it. */
export function parseWireAnswer(raw: unknown): WireAnswer {
  const o = obj(raw, 'body');
  const out: WireAnswer = { hops: chain(o.hops, 'body.hops'), alternatives: arr(o.alternatives, 'body.alternatives', 256).map((c, i) => chain(c, `body.alternatives[${i}]`)) };
  if (o.error !== undefined) out.error = str(o.error, 'body.error');
  if (o.note !== undefined) out.note = str(o.note, 'body.note');
  return out;
}
