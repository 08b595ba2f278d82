// Custom DAP requests the extension sends to the IOVA Lens debug adapter, declared once for both
// ends and checked on arrival with the protocol validator kit (check.ts).
//  - iovaLens/resolve: resolve an address in the live VM; the answer is the model's ResolveAnswer
//    on the wire (resolveWire.ts: encodeResolveAnswer / decodeResolveAnswer), the same type the
//    language server and the large-trace worker answer with, so the translation tree highlights
//    live chains exactly like trace chains.
import type { Space } from '../../model/space.js';
import { hexAddr, obj, optStr, space } from './check.js';

export const RESOLVE_REQUEST = 'iovaLens/resolve';

export interface ResolveRequestArgs {
  /** the space ADDR is in; absent: every space it is valid in */
  space?: Space;
  addr: string;
  /** PCI "BB:DD.F", required for giova */
  device?: string;
}

export function parseResolveArgs(raw: unknown): ResolveRequestArgs {
  const o = obj(raw, 'arguments');
  const out: ResolveRequestArgs = { addr: hexAddr(o.addr, 'arguments.addr') };
  if (o.space !== undefined) out.space = space(o.space, 'arguments.space');
  const device = optStr(o.device, 'arguments.device', 16);
  if (device !== undefined) out.device = device;
  return out;
}
