// iova-lens resolve --qmp EP [--gdb EP] [--device BB:DD.F] [--space S] ADDR: the chain of one
// address in the running VM — the model's resolver over the live snapshot, printed as the trace
// resolve prints (created_line is null: nothing here comes from a trace line). GIOVAs are walked
// through the guest's VT-d tables, which needs the gdbstub; GPA → HVA needs only QMP.
import { type ParsedArgs } from '../args.js';
import { addressOperand } from '../addressOperand.js';
import { UsageError, type CliIO } from '../io.js';
import { liveSource, walkedGiova, type GiovaTranslator } from '../../model/liveSource.js';
import { resolveFirst } from '../../model/resolve.js';
import type { ResolveAnswer } from '../../model/resolution.js';
import { canonicalDevice, parseBdf, type PciBdf } from '../../model/pciAddress.js';
import { LiveSession, readLiveMemory, walkLiveGiova } from '../../qemu/snapshot/index.js';
import { liveFailure, openLivePeers } from './snapshot.js';
import { termLines } from '../termText.js';
import { resolveJson, resolveText } from '../report/resolveReport.js';

const LIVE_SPACES = ['giova', 'gpa', 'hva'] as const;
type LiveSpace = (typeof LIVE_SPACES)[number];

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
  const { addr, space: spaceText, device: deviceText } = addressOperand(addrText, args);
  if (spaceText === 'iova') throw new UsageError('--space iova needs a device IOTLB, which only a trace shows; live resolve takes giova, gpa or hva');
  if (spaceText !== undefined && !(LIVE_SPACES as readonly string[]).includes(spaceText)) throw new UsageError(`--space must be one of ${LIVE_SPACES.join(', ')}`);
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

export async function runLiveResolve(args: ParsedArgs, io: CliIO): Promise<number> {
  const req = request(args);
  let peers: Awaited<ReturnType<typeof openLivePeers>> | undefined;
  try {
    peers = await openLivePeers(args);
    const session = new LiveSession(peers.qmp, peers.gdb);
    let result: ResolveAnswer;
    let version: string;
    try {
      const work = async (): Promise<ResolveAnswer> => {
        const memory = await readLiveMemory(session);
        const spaces: LiveSpace[] = req.space ? [req.space] : req.device ? ['giova', 'gpa', 'hva'] : ['gpa', 'hva'];
        const name = req.deviceText === undefined ? undefined : canonicalDevice(req.deviceText);
        let viommu: GiovaTranslator | undefined;
        if (spaces.includes('giova')) viommu = walkedGiova(name!, req.addr, await walkLiveGiova(session, memory, req.device!, name!, req.addr));
        const q = name === undefined ? {} : { device: name };
        return resolveFirst(spaces, req.addr, { live: liveSource(memory.map, viommu) }, q).answer;
      };
      result = await (session.gdb ? session.gdb.memory.physical(work) : work());
      const v = peers.qmp.version;
      version = v ? `${v.major}.${v.minor}.${v.micro}` : '?';
    } finally {
      session.close();
    }
    io.stdout.write(args.flags.has('json') ? JSON.stringify(resolveJson(result)) + '\n' : termLines(resolveText(result, `live (QEMU ${version})`)));
    return result.error ? 1 : 0;
  } catch (e) {
    return liveFailure('resolve', e, io);
  } finally {
    await peers?.close();
  }
}
