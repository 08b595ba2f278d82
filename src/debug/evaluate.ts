// The debug console: `resolve`, `walk`, `mtree`, `help`, or a bare hex number. Parsing is pure
// (commandLine.ts); resolving is the model's (src/model/resolve.ts) over the live snapshot; this
// file asks it and formats its answers as console lines.
import { hex } from '../model/u64.js';
import { CONSOLE_HELP, parseConsoleCommand, type ConsoleCommand } from './commandLine.js';
import { liveSource, walkedGiova } from '../model/liveSource.js';
import { resolve as resolveIn, type ResolveSource, type ResolveSources } from '../model/resolve.js';
import type { ResolveAnswer, ResolveHop } from '../model/resolution.js';
import type { Space } from '../model/space.js';
import { noGdbReason, TargetRefusal, type QemuTarget } from './target.js';

/** `timeline`: the session's attached trace after its last line, resolved together with the VM. */
export async function evaluate(target: QemuTarget, expression: string, timeline?: ResolveSource): Promise<string> {
  return run(target, parseConsoleCommand(expression), timeline);
}

async function run(target: QemuTarget, cmd: ConsoleCommand, timeline: ResolveSource | undefined): Promise<string> {
  switch (cmd.kind) {
    case 'help':
      return CONSOLE_HELP;
    case 'mtree': {
      const { regions } = await target.memoryMap();
      return regions.map((r) => `${hex(r.start)}-${hex(r.last)} ${r.kind.padEnd(5)} ${r.name}${r.hva !== null ? ` hva ${hex(r.hva)}` : ''}`).join('\n');
    }
    case 'walk':
      return consoleLines([await giova(target, cmd.device, cmd.addr, timeline)]);
    case 'resolve':
      return consoleLines(await answers(target, cmd.space, cmd.addr, cmd.device, timeline));
  }
}

/**
 * One line per chain: `gpa 0x… -> hva 0x…, in REGION`, `giova 0x… (BB:DD.F) -> gpa 0x…, hva 0x…,
 * in REGION`, or `… -> nothing (why)`; a device IOVA an attached trace adds is `iova 0x… (ASID N,
 * trace line L)`. The main chain carries the answer's error or note.
 */
const iovaWhere = (h: ResolveHop): string => [h.asid !== undefined ? `ASID ${h.asid}` : undefined, h.createdLine !== undefined ? `trace line ${h.createdLine}` : undefined].filter(Boolean).join(', ') || 'device';

export function consoleLines(answers: readonly ResolveAnswer[]): string {
  const line = (chain: readonly ResolveHop[], why: string | undefined): string => {
    const [q, ...rest] = chain;
    const what = q!.space === 'giova' ? `giova ${hex(q!.addr)} (${q!.device ?? '?'})` : `${q!.space} ${hex(q!.addr)}`;
    const gpa = chain.find((h) => h.space === 'gpa');
    const parts = rest.map((h) => `${h.space} ${hex(h.addr)}${h.space === 'iova' ? ` (${iovaWhere(h)})` : ''}`);
    if (gpa?.owner !== undefined) parts.push(`in ${gpa.owner}`);
    return `${what} -> ${parts.join(', ') || 'nothing'}${why !== undefined ? ` (${why})` : ''}`;
  };
  return answers.flatMap((a) => [line(a.hops, a.error ?? a.note), ...a.alternatives.map((c) => line(c, undefined))]).join('\n');
}

/**
 * resolve(space, addr) against the live VM, and the attached trace's tables after its last line
 * when the session has one (`timeline`): what the translation tree's resolve box asks over the
 * iovaLens/resolve request. A refusal (no gdbstub, VM running) is the answer's error, not an exception.
 */
export async function liveResolve(target: QemuTarget, space: Space | undefined, addr: bigint, device: string | undefined, timeline?: ResolveSource): Promise<ResolveAnswer> {
  try {
    if (space === 'iova' || (space === 'giova' && device === undefined)) {
      const { map } = await target.memoryMap();
      return resolveIn(space, addr, { live: liveSource(map), ...(timeline ? { timeline } : {}) }, device === undefined ? {} : { device });
    }
    const all = await answers(target, space ?? 'any', addr, device, timeline);
    if (all.length === 1) return all[0]!;
    // several spaces: the first chain that goes somewhere is the main one, the others alternatives,
    // and why the rest go nowhere is the note
    const going = all.filter(goes);
    if (going.length === 0) return all[0]!;
    const [main, ...rest] = going;
    const why = all.filter((a) => !goes(a)).map((a) => a.error ?? a.note).filter((n): n is string => n !== undefined);
    const notes = [main!.note, ...why].filter((n): n is string => n !== undefined);
    return { ...main!, alternatives: [...main!.alternatives, ...rest.flatMap((a) => [a.hops, ...a.alternatives])], ...(notes.length ? { note: notes.join('; ') } : {}) };
  } catch (e) {
    if (e instanceof TargetRefusal) return { hops: [], alternatives: [], error: e.message };
    throw e;
  }
}

async function giova(target: QemuTarget, device: string, addr: bigint, timeline?: ResolveSource): Promise<ResolveAnswer> {
  if (!target.gdb) throw new TargetRefusal(noGdbReason(`walking GIOVA ${hex(addr)} of ${device}`));
  const t = await target.translateGiova(device, addr);
  const { map } = await target.memoryMap();
  return resolveIn('giova', addr, { live: liveSource(map, walkedGiova(device, addr, t)), ...(timeline ? { timeline } : {}) }, { device });
}

const goes = (a: ResolveAnswer): boolean => a.error === undefined && a.hops.length > 1;

async function answers(target: QemuTarget, space: 'gpa' | 'hva' | 'giova' | 'any', addr: bigint, device: string | undefined, timeline?: ResolveSource): Promise<ResolveAnswer[]> {
  if (space === 'giova') return [await giova(target, device!, addr, timeline)];
  const { map } = await target.memoryMap();
  const live: ResolveSources = { live: liveSource(map), ...(timeline ? { timeline } : {}) };
  if (space !== 'any') return [resolveIn(space, addr, live)];
  // Every space the number is valid in: a GPA inside a region, an HVA of guest RAM, and a GIOVA
  // of the named device (or of each device behind the vIOMMU) when it walks to a page.
  const out: ResolveAnswer[] = [];
  const asGpa = resolveIn('gpa', addr, live);
  if (asGpa.hops[0]!.owner !== undefined) out.push(asGpa);
  const asHva = resolveIn('hva', addr, live);
  if (goes(asHva)) out.push(asHva);
  if (target.gdb && !target.running) {
    const devices = device !== undefined ? [device] : (await target.snapshot()).virtio.filter((v) => v.behindIommu && v.pci).map((v) => v.pci!);
    for (const d of devices) {
      const g = await giova(target, d, addr, timeline);
      if (g.hops.length > 1 || device !== undefined) out.push(g);
    }
  }
  if (out.length === 0) return [{ ...asGpa, error: `${hex(addr)} is no GPA in a region, no HVA of guest RAM${target.gdb ? '' : ' (GIOVAs not tried: no gdbstub)'} and no mapped GIOVA` }];
  return out;
}
