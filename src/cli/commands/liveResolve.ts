// iova-lens resolve --qmp EP [--gdb EP] [--device BB:DD.F] [--space S] ADDR: the chain of one
// address in the running VM, in the same JSON shape as the trace resolve (created_line is null:
// nothing here comes from a trace line). GIOVAs are walked through the guest's VT-d tables,
// which needs the gdbstub; GPA → HVA needs only QMP.
import { oneValue, type ParsedArgs, addressArg } from '../args.js';
import { UsageError, type CliIO } from '../io.js';
import { resolve as resolveChain, type ResolveContext } from '../../model/resolver.js';
import type { GiovaTranslation, Hop, Resolution, Space } from '../../model/translation.js';
import { hex } from '../../model/u64.js';
import { parseBdf, type PciBdf } from '../../model/viommu/vtdFormat.js';
import { walkVtd } from '../../model/viommu/vtdWalker.js';
import { dmaViewOf, LiveSession, NO_GDB_REASON, readLiveMemory, readVtdRegisters } from '../../qemu/snapshot/index.js';
import { liveFailure, openLivePeers } from './snapshot.js';
import { termLines } from '../termText.js';

const LIVE_SPACES = ['giova', 'gpa', 'hva'] as const;
type LiveSpace = (typeof LIVE_SPACES)[number];
const TITLE: Record<Space, string> = { giova: 'guest IOVA', gpa: 'GPA', hva: 'HVA', iova: 'IOVA' };

interface LiveRequest {
  addr: bigint;
  space: LiveSpace | undefined;
  device: PciBdf | undefined;
  deviceText: string | undefined;
}

function request(args: ParsedArgs): LiveRequest {
  const [addrText, ...extra] = args.positional;
  if (!addrText) throw new UsageError('need an ADDR');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" (with --qmp, resolve takes only ADDR)`);
  for (const o of ['line', 'asid']) if (args.values.has(o)) throw new UsageError(`--${o} applies to traces, not to a live VM (--qmp)`);
  const addr = addressArg(addrText);
  const spaceText = oneValue(args, 'space');
  if (spaceText === 'iova') throw new UsageError('--space iova needs a device IOTLB, which only a trace shows; live resolve takes giova, gpa or hva');
  if (spaceText !== undefined && !(LIVE_SPACES as readonly string[]).includes(spaceText)) throw new UsageError(`--space must be one of ${LIVE_SPACES.join(', ')}`);
  const deviceText = oneValue(args, 'device')?.toLowerCase();
  let device: PciBdf | undefined;
  if (deviceText !== undefined) {
    try {
      device = parseBdf(deviceText);
    } catch (e) {
      throw new UsageError(`--device: ${(e as Error).message}`);
    }
  }
  if (spaceText === 'giova' && !device) throw new UsageError('--space giova needs --device BB:DD.F (GIOVAs are per device)');
  return { addr, space: spaceText as LiveSpace | undefined, device, deviceText };
}

/** The vIOMMU's answer for the one GIOVA asked about, walked ahead (the resolver is synchronous). */
async function giovaTranslation(session: LiveSession, views: Parameters<typeof dmaViewOf>[0], device: PciBdf, giova: bigint): Promise<GiovaTranslation> {
  const name = `${device.bus.toString(16).padStart(2, '0')}:${device.slot.toString(16).padStart(2, '0')}.${device.fn}`;
  if (!dmaViewOf(views, device)) return { ok: true, gpa: giova, perm: 3, pageMask: 0xfffn, owner: { kind: 'viommu-mapping', name: `${name} DMA is not translated (no vtd-…-dmar root in mtree): GIOVA = GPA`, start: giova & ~0xfffn, last: giova | 0xfffn } };
  if (!session.gdb) return { ok: false, reason: NO_GDB_REASON };
  const vtd = await readVtdRegisters(session.gdb);
  if (!vtd.translationEnabled) return { ok: true, gpa: giova, perm: 3, pageMask: 0xfffn, owner: { kind: 'viommu-mapping', name: 'VT-d translation disabled (GSTS.TES clear): GIOVA = GPA', start: giova & ~0xfffn, last: giova | 0xfffn } };
  if (vtd.rtaddr === null) return { ok: false, reason: 'VT-d root table pointer not set (GSTS.RTPS clear)' };
  const r = await walkVtd({ rtaddr: vtd.rtaddr, device, iova: giova, config: vtd.config }, session.reader);
  session.checkAlive();
  if (!r.ok) return { ok: false, reason: r.reason };
  const mask = r.addrMask;
  const how = r.level === 0 ? 'pass-through' : `level ${r.level} leaf`;
  return { ok: true, gpa: r.gpa, perm: r.perm, pageMask: mask, owner: { kind: 'viommu-mapping', name: `VT-d ${name} domain ${r.domainId} ${how}`, start: giova & ~mask, last: giova | mask } };
}

const ownerText = (h: Hop): string | null => (h.owner ? `${h.owner.kind} '${h.owner.name}' [${hex(h.owner.start)}, ${hex(h.owner.last)}]` : null);

export const hopJson = (h: Hop): Record<string, unknown> => ({
  space: h.space,
  addr: hex(h.addr),
  owner: ownerText(h),
  created_line: null,
  ...(h.perm !== undefined ? { perm: h.perm } : {}),
  ...(h.device !== undefined ? { device: h.device } : {}),
  ...(h.note !== undefined ? { note: h.note } : {}),
});

export function resolutionText(r: Resolution, qemu: string): string {
  const chain = (c: Hop[]): string => '  ' + c.map((h) => `${TITLE[h.space]} ${hex(h.addr)}${h.owner ? `  — ${ownerText(h)}` : ''}${h.note ? ` (${h.note})` : ''}`).join('\n  → ');
  const out = [`live (QEMU ${qemu}):`, chain(r.hops)];
  if (r.error) out.push(`  ${r.error}`);
  r.alternatives.forEach((c, i) => out.push(`alternative ${i + 1}:`, chain(c)));
  return out.join('\n') + '\n';
}

export async function runLiveResolve(args: ParsedArgs, io: CliIO): Promise<number> {
  const req = request(args);
  let peers: Awaited<ReturnType<typeof openLivePeers>> | undefined;
  try {
    peers = await openLivePeers(args);
    const session = new LiveSession(peers.qmp, peers.gdb);
    let result: Resolution;
    let version: string;
    try {
      const work = async (): Promise<Resolution> => {
        const memory = await readLiveMemory(session);
        const ctx: ResolveContext = { memory: memory.map };
        if (req.deviceText) ctx.device = req.deviceText;
        const spaces: LiveSpace[] = req.space ? [req.space] : req.device ? ['giova', 'gpa', 'hva'] : ['gpa', 'hva'];
        let first: Resolution | undefined;
        for (const space of spaces) {
          if (space === 'giova') {
            const tr = await giovaTranslation(session, memory.views, req.device!, req.addr);
            ctx.viommu = { translate: (_d, giova) => (giova === req.addr ? tr : { ok: false, reason: 'not walked' }) };
          }
          const r = resolveChain(space, req.addr, ctx);
          if (!r.error && r.hops.length > 1) return r;
          first ??= r;
        }
        if (spaces.length > 1) first!.error = `${hex(req.addr)} resolves in none of ${spaces.map((s) => TITLE[s]).join(', ')}: ${first!.error ?? ''}`;
        return first!;
      };
      result = await (session.gdb ? session.gdb.memory.physical(work) : work());
      const v = peers.qmp.version;
      version = v ? `${v.major}.${v.minor}.${v.micro}` : '?';
    } finally {
      session.close();
    }
    const json = { hops: result.hops.map(hopJson), alternatives: result.alternatives.map((c) => c.map(hopJson)), ...(result.error ? { error: result.error } : {}) };
    io.stdout.write(args.flags.has('json') ? JSON.stringify(json) + '\n' : termLines(resolutionText(result, version)));
    return result.error ? 1 : 0;
  } catch (e) {
    return liveFailure('resolve', e, io);
  } finally {
    await peers?.close();
  }
}
