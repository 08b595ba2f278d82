// The debug console: `resolve`, `walk`, `mtree`, `help`, or a bare hex number. Parsing is pure
// (commandLine.ts); this file runs a parsed command against the live target and formats text.
import { hex } from '../model/u64.js';
import { CONSOLE_HELP, parseConsoleCommand, type ConsoleCommand } from './commandLine.js';
import type { ResolveAnswer } from '../model/resolution.js';
import type { Space } from '../model/space.js';
import { answerOf, formatResolution, fromDeviceAddr, resolveGpa, resolveHva, type Resolution } from './liveTranslate.js';
import { noGdbReason, TargetRefusal, type QemuTarget } from './target.js';

export async function evaluate(target: QemuTarget, expression: string): Promise<string> {
  return run(target, parseConsoleCommand(expression));
}

async function run(target: QemuTarget, cmd: ConsoleCommand): Promise<string> {
  switch (cmd.kind) {
    case 'help':
      return CONSOLE_HELP;
    case 'mtree': {
      const { regions } = await target.memoryMap();
      return regions.map((r) => `${hex(r.start)}-${hex(r.last)} ${r.kind.padEnd(5)} ${r.name}${r.hva !== null ? ` hva ${hex(r.hva)}` : ''}`).join('\n');
    }
    case 'walk':
      return (await giova(target, cmd.device, cmd.addr)).map(formatResolution).join('\n');
    case 'resolve':
      return (await resolve(target, cmd.space, cmd.addr, cmd.device)).map(formatResolution).join('\n');
  }
}

/**
 * resolve(space, addr) against the live VM, as the model's one result type: what the translation
 * tree's resolve box asks over the iovaLens/resolve request. A refusal (no gdbstub, VM running)
 * is the answer's error, not an exception.
 */
export async function liveResolve(target: QemuTarget, space: Space | undefined, addr: bigint, device: string | undefined): Promise<ResolveAnswer> {
  if (space === 'iova') return { hops: [], alternatives: [], error: 'device IOVAs (the vhost/vDPA IOTLB) are not read from a live VM: attach a trace to the session for them' };
  if (space === 'giova' && device === undefined) return { hops: [], alternatives: [], error: `giova ${hex(addr)}: name the device (BB:DD.F)` };
  try {
    return answerOf(await resolve(target, space ?? 'any', addr, device));
  } catch (e) {
    if (e instanceof TargetRefusal) return { hops: [], alternatives: [], error: e.message };
    throw e;
  }
}

async function giova(target: QemuTarget, device: string, addr: bigint): Promise<Resolution[]> {
  if (!target.gdb) throw new TargetRefusal(noGdbReason(`walking GIOVA ${hex(addr)} of ${device}`));
  const t = await target.translateGiova(device, addr);
  const { map } = await target.memoryMap();
  return [fromDeviceAddr(device, t, map)];
}

async function resolve(target: QemuTarget, space: 'gpa' | 'hva' | 'giova' | 'any', addr: bigint, device: string | undefined): Promise<Resolution[]> {
  if (space === 'giova') return giova(target, device!, addr);
  const { map } = await target.memoryMap();
  if (space === 'gpa') return [resolveGpa(map, addr)];
  if (space === 'hva') return resolveHva(map, addr);
  // Every space the number is valid in: a GPA inside a region, an HVA inside a RAM block, and
  // a GIOVA for the named device (or each device behind the vIOMMU) when it walks to a page.
  const out: Resolution[] = [];
  const asGpa = resolveGpa(map, addr);
  if (asGpa.region !== undefined) out.push(asGpa);
  out.push(...resolveHva(map, addr).filter((r) => r.gpa !== null));
  if (target.gdb && !target.running) {
    const devices = device !== undefined ? [device] : (await target.snapshot()).virtio.filter((v) => v.behindIommu && v.pci).map((v) => v.pci!);
    for (const d of devices) {
      const [r] = await giova(target, d, addr);
      if (r && (r.gpa !== null || device !== undefined)) out.push(r);
    }
  }
  if (out.length === 0) return [{ ...asGpa, reason: `${hex(addr)} is no GPA in a region, no HVA of guest RAM${target.gdb ? '' : ' (GIOVAs not tried: no gdbstub)'} and no mapped GIOVA` }];
  return out;
}
