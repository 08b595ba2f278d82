// The model's ResolveAnswer on the wire, declared once for every process boundary it crosses:
// the language server's iovaLens/resolve request, the debug adapter's iovaLens/resolve request
// and the large-trace worker's resolve answer. One encoder (the side that resolves) and one
// validating decoder on the protocol kit (the side that receives); 64-bit addresses travel as
// hex strings because JSON numbers lose the bits above 2^53.
import { isPerm } from '../../model/access.js';
import type { ResolveAnswer, ResolveHop } from '../../model/resolution.js';
import { hex } from '../../model/u64.js';
import { arr, hexAddr, int, obj, optInt, optStr, space, type Obj } from './check.js';

/** One hop of a chain: ResolveHop with its address in hex. */
export type WireHop = Omit<ResolveHop, 'addr'> & { addr: string };

/** A ResolveAnswer on the wire; `line` is absent for a live answer (it is as of now). */
export interface WireResolveAnswer {
  line?: number;
  hops: WireHop[];
  alternatives: WireHop[][];
  error?: string;
  note?: string;
}

/** The most hops in a chain and chains besides the main one a decoder accepts. */
export const MAX_HOPS = 64;
export const MAX_ALTERNATIVES = 256;

function encodeHop(h: ResolveHop): WireHop {
  const w: WireHop = { space: h.space, addr: hex(h.addr) };
  if (h.owner !== undefined) w.owner = h.owner;
  if (h.createdLine !== undefined) w.createdLine = h.createdLine;
  if (h.perm !== undefined) w.perm = h.perm;
  if (h.asid !== undefined) w.asid = h.asid;
  if (h.device !== undefined) w.device = h.device;
  if (h.note !== undefined) w.note = h.note;
  return w;
}

/** The one encoder: what a resolver sends. */
export function encodeResolveAnswer(a: ResolveAnswer): WireResolveAnswer {
  const w: WireResolveAnswer = { hops: a.hops.map(encodeHop), alternatives: a.alternatives.map((c) => c.map(encodeHop)) };
  if (a.line !== undefined) w.line = a.line;
  if (a.error !== undefined) w.error = a.error;
  if (a.note !== undefined) w.note = a.note;
  return w;
}

function decodeHop(v: unknown, path: string): WireHop {
  const o: Obj = obj(v, path);
  const h: WireHop = { space: space(o.space, `${path}.space`), addr: hexAddr(o.addr, `${path}.addr`) };
  const owner = optStr(o.owner, `${path}.owner`);
  if (owner !== undefined) h.owner = owner;
  const line = optInt(o.createdLine, `${path}.createdLine`, 1);
  if (line !== undefined) h.createdLine = line;
  if (o.perm !== undefined) {
    const perm = int(o.perm, `${path}.perm`, 0, 3);
    if (isPerm(perm)) h.perm = perm;
  }
  const asid = optInt(o.asid, `${path}.asid`, 0, 0xffff_ffff);
  if (asid !== undefined) h.asid = asid;
  const device = optStr(o.device, `${path}.device`, 64);
  if (device !== undefined) h.device = device;
  const note = optStr(o.note, `${path}.note`);
  if (note !== undefined) h.note = note;
  return h;
}

const decodeChain = (v: unknown, path: string): WireHop[] => arr(v, path, MAX_HOPS).map((h, i) => decodeHop(h, `${path}[${i}]`));

/**
 * The one decoder: a received answer checked field by field; anything else throws a ProtocolError
 * naming the JSON path under `path` (e.g. "body.hops[2].addr") and what was wrong. Unknown fields
 * are dropped, so what comes out is exactly a WireResolveAnswer.
 */
export function decodeResolveAnswer(raw: unknown, path = 'answer'): WireResolveAnswer {
  const o = obj(raw, path);
  const out: WireResolveAnswer = {
    hops: decodeChain(o.hops, `${path}.hops`),
    alternatives: arr(o.alternatives, `${path}.alternatives`, MAX_ALTERNATIVES).map((c, i) => decodeChain(c, `${path}.alternatives[${i}]`)),
  };
  const line = optInt(o.line, `${path}.line`, 1);
  if (line !== undefined) out.line = line;
  const error = optStr(o.error, `${path}.error`);
  if (error !== undefined) out.error = error;
  const note = optStr(o.note, `${path}.note`);
  if (note !== undefined) out.note = note;
  return out;
}
