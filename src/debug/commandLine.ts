// The two little languages of the debug session: memory references (what VS Code's memory view
// hands back to readMemory) and debug-console commands. Both name the address space explicitly,
// because the same number means different bytes as a GPA, an HVA or a device's GIOVA.
import { canonicalDevice } from '../model/pciAddress.js';
import { hex, parseHexU64, parseU64, U64ParseError } from '../model/u64.js';

export type AddressSpace = 'gpa' | 'hva' | 'giova';

export type MemoryRef = { space: 'gpa'; addr: bigint } | { space: 'hva'; addr: bigint } | { space: 'giova'; device: string; addr: bigint };

export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** `gpa:0x…`, `hva:0x…` or `giova:BB:DD.F:0x…`. */
export function parseMemoryRef(text: string): MemoryRef {
  const t = text.trim();
  const m = /^(gpa|hva|giova):(.+)$/i.exec(t);
  if (!m) throw new CommandError(`memory reference ${JSON.stringify(text)} names no address space (expected gpa:0x…, hva:0x… or giova:BB:DD.F:0x…)`);
  const space = m[1]!.toLowerCase() as AddressSpace;
  if (space === 'giova') {
    const g = /^([0-9a-fA-F]{1,2}:[0-9a-fA-F]{1,2}\.[0-7]):(.+)$/.exec(m[2]!);
    if (!g) throw new CommandError(`memory reference ${JSON.stringify(text)}: giova needs a PCI device, giova:BB:DD.F:0x…`);
    return { space, device: canonicalDevice(g[1]!), addr: addrOf(g[2]!, text) };
  }
  return { space: space === 'gpa' ? 'gpa' : 'hva', addr: addrOf(m[2]!, text) };
}

export function formatMemoryRef(r: MemoryRef): string {
  return r.space === 'giova' ? `giova:${r.device}:${hex(r.addr)}` : `${r.space}:${hex(r.addr)}`;
}

function addrOf(text: string, whole: string): bigint {
  try {
    return parseU64(text);
  } catch (e) {
    if (e instanceof U64ParseError) throw new CommandError(`memory reference ${JSON.stringify(whole)}: ${e.message}`);
    throw e;
  }
}

export type ConsoleCommand =
  | { kind: 'resolve'; space: AddressSpace | 'any'; addr: bigint; device?: string }
  | { kind: 'walk'; device: string; addr: bigint }
  | { kind: 'mtree' }
  | { kind: 'help' };

/** The Debug Console's first line: how to find out what it takes. */
export const CONSOLE_HINT = 'IOVA Lens: type "help" here for the console\'s commands (resolve ADDR, walk BB:DD.F GIOVA, mtree).';

export const CONSOLE_HELP = [
  'resolve [gpa|hva|giova] ADDR [BB:DD.F]   translate ADDR; without a space, in every space it is valid in',
  'walk BB:DD.F GIOVA                       walk the guest VT-d tables for the device',
  'mtree                                    the system FlatView (GPA ranges, regions, HVAs)',
  'ADDR                                     same as "resolve ADDR" (hex with or without 0x)',
  'help                                     this text',
].join('\n');

/**
 * Parse one debug-console line. A bare number is hex even without `0x`, since every address a
 * user copies from QEMU's output is hex.
 */
export function parseConsoleCommand(line: string): ConsoleCommand {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) throw new CommandError(`empty command; try "help"`);
  const [head, ...rest] = words as [string, ...string[]];
  switch (head.toLowerCase()) {
    case 'help':
    case '?':
      return { kind: 'help' };
    case 'mtree':
      if (rest.length) throw new CommandError(`mtree takes no arguments, got "${rest.join(' ')}"`);
      return { kind: 'mtree' };
    case 'walk': {
      if (rest.length !== 2) throw new CommandError('usage: walk BB:DD.F GIOVA');
      return { kind: 'walk', device: device(rest[0]!), addr: number(rest[1]!) };
    }
    case 'resolve':
      return parseResolve(rest);
    default:
      if (words.length === 1 && /^(0[xX])?[0-9a-fA-F]+$/.test(head)) return { kind: 'resolve', space: 'any', addr: number(head) };
      throw new CommandError(`unknown command "${head}"; try "help"`);
  }
}

function parseResolve(args: string[]): ConsoleCommand {
  let i = 0;
  let space: AddressSpace | 'any' = 'any';
  const first = args[0]?.toLowerCase();
  if (first === 'gpa' || first === 'hva' || first === 'giova') {
    space = first;
    i = 1;
  }
  if (args.length <= i) throw new CommandError('usage: resolve [gpa|hva|giova] ADDR [BB:DD.F]');
  const addr = number(args[i]!);
  const dev = args[i + 1] !== undefined ? device(args[i + 1]!) : undefined;
  if (args.length > i + 2) throw new CommandError(`resolve: unexpected "${args.slice(i + 2).join(' ')}"`);
  if (space === 'giova' && dev === undefined) throw new CommandError('resolve giova ADDR needs the device: resolve giova ADDR BB:DD.F');
  if ((space === 'gpa' || space === 'hva') && dev !== undefined) throw new CommandError(`a ${space} is not per device; drop "${dev}" or use giova`);
  return dev === undefined ? { kind: 'resolve', space, addr } : { kind: 'resolve', space, addr, device: dev };
}

function number(text: string): bigint {
  try {
    return /^0[xX]/.test(text) ? parseU64(text) : parseHexU64(text);
  } catch (e) {
    if (e instanceof U64ParseError) throw new CommandError(`address ${JSON.stringify(text)}: ${e.message}`);
    throw e;
  }
}

function device(text: string): string {
  try {
    return canonicalDevice(text);
  } catch (e) {
    throw new CommandError((e as Error).message);
  }
}
