// iova-lens resolve --qemu-pid PID [--device BB:DD.F] [--space giova|gpa|hva] ADDR: the chain
// of one address from QEMU's own state (its FlatView, RAM blocks and VT-d IOTLB), read from the
// process: no QMP, so it answers while QEMU is stopped in a debugger's hands too… once the
// debugger lets go (ptrace allows one tracer). Same JSON shape as the other resolves.
import { type ParsedArgs } from '../args.js';
import { addressOperand } from '../addressOperand.js';
import { UsageError, type CliIO } from '../io.js';
import { liveSource } from '../../model/liveSource.js';
import { resolveFirst } from '../../model/resolve.js';
import { canonicalDevice, parseBdf } from '../../model/pciAddress.js';
import { internalsMemoryMap, iotlbTranslator } from '../../model/qemuInternals.js';
import { resolveJson, resolveText } from '../report/resolveReport.js';
import { qemuPidArg, readInternalsOrReport } from './qemuPid.js';
import { termLines } from '../termText.js';

const SPACES = ['giova', 'gpa', 'hva'] as const;
type PidSpace = (typeof SPACES)[number];

export async function runInternalsResolve(args: ParsedArgs, io: CliIO): Promise<number> {
  const pid = qemuPidArg(args)!;
  for (const o of ['qmp', 'gdb', 'line', 'asid']) if (args.values.has(o)) throw new UsageError(`--${o} does not go with --qemu-pid (resolve answers from QEMU's own state)`);
  const [addrText, ...extra] = args.positional;
  if (!addrText) throw new UsageError('need an ADDR');
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}" (with --qemu-pid, resolve takes only ADDR)`);
  const { addr, space: spaceText, device: deviceText } = addressOperand(addrText, args);
  if (spaceText !== undefined && !(SPACES as readonly string[]).includes(spaceText)) throw new UsageError(`--space must be one of ${SPACES.join(', ')} with --qemu-pid`);
  if (deviceText !== undefined) {
    try {
      parseBdf(deviceText);
    } catch (e) {
      throw new UsageError(`--device: ${(e as Error).message}`);
    }
  }
  if (spaceText === 'giova' && deviceText === undefined) throw new UsageError('--space giova needs --device BB:DD.F (GIOVAs are per device)');
  const internals = await readInternalsOrReport('resolve', pid, io);
  if (typeof internals === 'number') return internals;
  const spaces: PidSpace[] = spaceText ? [spaceText as PidSpace] : deviceText ? ['giova', 'gpa', 'hva'] : ['gpa', 'hva'];
  const source = liveSource(internalsMemoryMap(internals), internals.vtd ? iotlbTranslator(internals.vtd.iotlb) : undefined);
  const result = resolveFirst(spaces, addr, { live: source }, deviceText === undefined ? {} : { device: canonicalDevice(deviceText) }).answer;
  io.stdout.write(args.flags.has('json') ? JSON.stringify(resolveJson(result)) + '\n' : termLines(resolveText(result, `pid ${pid}, read from its memory`)));
  return result.error ? 1 : 0;
}
