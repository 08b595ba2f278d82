// iova-lens snapshot --qmp EP [--gdb EP] [--json]: the live VM's memory map, VT-d state and
// every virtqueue with its rings and next chain translated GIOVA → GPA → HVA.
// Exit 0 on success, 2 on bad usage or when QEMU cannot be reached / stops answering.
import { parseArgs, oneValue, type ParsedArgs } from '../args.js';
import { UsageError, type CliIO, type CommandSpec } from '../io.js';
import { EndpointSyntaxError, parseEndpoint, type Endpoint } from '../../qemu/endpoint.js';
import { QmpClient } from '../../qemu/qmp/qmpClient.js';
import { GdbClient } from '../../qemu/gdb/gdbClient.js';
import { takeSnapshot, snapshotJson, snapshotText } from '../../qemu/snapshot/index.js';
import { DEFAULT_TIMEOUT_MS, parseTimeoutMs } from '../../qemu/timeouts.js';
import { termLines, termSafe } from '../termText.js';
import { crossCheckJson as treeCheckJson, crossCheckText as treeCheckText, crossCheckWithTrace, type TraceCrossCheck } from './internalsCrossCheck.js';
import type { QemuInternals } from '../../model/qemuInternals.js';
import { qemuCoreArgs, qemuCoreOptionSpec, qemuPidArg, qemuPidOptionSpec, readCoreOrReport, readInternalsOrReport } from './qemuPid.js';
import { internalsJson, internalsText } from '../../qemu/internals/index.js';
import { QemuMonitor } from '../../qemu/qmp/qemuMonitor.js';
import { crossCheck, crossCheckJson, crossCheckText, type CrossCheckReport } from './crossCheck.js';

export const liveOptionSpec = { qmp: { value: true }, gdb: { value: true }, timeout: { value: true } } as const;

export interface LivePeers {
  qmp: QmpClient;
  gdb: GdbClient | undefined;
  close(): Promise<void>;
}

function endpointOf(option: string, text: string): Endpoint {
  // `--gdb localhost:1234` is how gdb users write it; QEMU's own spelling works too.
  const spelled = /^(unix|tcp):/.test(text) ? text : `tcp:${text}`;
  try {
    return parseEndpoint(spelled);
  } catch (e) {
    throw new UsageError(`--${option}: ${(e as EndpointSyntaxError).message}`);
  }
}

/** Connect to QMP (required) and the gdbstub (optional). Attaching gdb pauses the guest until close(). */
export async function openLivePeers(args: ParsedArgs): Promise<LivePeers> {
  const qmpText = oneValue(args, 'qmp');
  if (!qmpText) throw new UsageError('--qmp unix:PATH|tcp:HOST:PORT is required');
  const gdbText = oneValue(args, 'gdb');
  const qmpEp = endpointOf('qmp', qmpText);
  const gdbEp = gdbText === undefined ? undefined : endpointOf('gdb', gdbText);
  const timeoutText = oneValue(args, 'timeout');
  const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseTimeoutMs(timeoutText);
  if (timeoutMs === undefined) throw new UsageError(`--timeout must be a number of milliseconds from 1 to 600000, not "${timeoutText}"`);
  const limits = { timeoutMs, connectTimeoutMs: timeoutMs };
  const qmp = await QmpClient.connect(qmpEp, limits);
  let gdb: GdbClient | undefined;
  try {
    if (gdbEp) gdb = await GdbClient.connect(gdbEp, limits);
  } catch (e) {
    qmp.close();
    throw e;
  }
  return {
    qmp,
    gdb,
    async close() {
      await gdb?.close();
      qmp.close();
    },
  };
}

const LIVE_ERRORS = new Set(['ConnectError', 'ConnectionLostError', 'TimeoutError', 'ProtocolError', 'QmpCommandError', 'HmpError', 'QemuParseError', 'QmpShapeError', 'GdbErrorReply', 'MemoryMapError']);

/** QEMU-side failures are reported as such (exit 2), not as internal errors. */
export function liveFailure(command: string, e: unknown, io: CliIO): number {
  if (e instanceof Error && LIVE_ERRORS.has(e.name)) {
    // QEMU's QMP socket serves one client at a time; a silent greeting usually means another one is connected.
    const hint = e.name === 'TimeoutError' && /QMP greeting/.test(e.message) ? ' (is another QMP client connected? QEMU serves one at a time)' : '';
    io.stderr.write(`iova-lens ${command}: ${termSafe(e.message)}${hint}\n`);
    return 2;
  }
  throw e;
}

export const snapshotCommand: CommandSpec = {
  name: 'snapshot',
  summary: 'memory map, VT-d state and virtqueues of a running QEMU, every address translated; with --qemu-pid also QEMU\'s own state (or from a core: --qemu-core)',
  usage:
    'iova-lens snapshot --qmp unix:PATH|tcp:HOST:PORT [--gdb HOST:PORT] [--timeout MS] [--qemu-pid PID [--trace FILE]] [--json]\n       iova-lens snapshot --qemu-pid PID [--trace FILE] [--json]\n' +
    '       iova-lens snapshot --qemu-core CORE --qemu-exe QEMU_BINARY [--json]\n' +
    '       (--trace FILE compares QEMU\'s vhost-vdpa IOVA tree with the trace\'s replay; with --qmp also QEMU\'s memory map with QMP\'s)',
  async run(argv, io) {
    const args = parseArgs(argv, { json: {}, trace: { value: true }, ...liveOptionSpec, ...qemuPidOptionSpec, ...qemuCoreOptionSpec });
    if (args.positional.length) throw new UsageError(`unexpected argument "${args.positional[0]}"`);
    const pid = qemuPidArg(args);
    const json = args.flags.has('json');
    const core = qemuCoreArgs(args);
    const trace = oneValue(args, 'trace');
    if (trace !== undefined && pid === undefined && !core) throw new UsageError('--trace goes with --qemu-pid PID or --qemu-core: it cross-checks QEMU\'s own IOVA tree');
    const tracePath = trace;
    if (core) {
      const other = ['qmp', 'gdb', 'qemu-pid', 'timeout'].find((o) => args.values.has(o));
      if (other) throw new UsageError(`--${other} does not go with --qemu-core (a core is read on its own)`);
      const internals = await readCoreOrReport('snapshot', core.exe, core.core, io);
      if (typeof internals === 'number') return internals;
      return writeInternals(internals, json, trace, io);
    }
    if (pid !== undefined && !args.values.has('qmp')) {
      if (args.values.has('gdb')) throw new UsageError('--gdb needs --qmp (the guest-side snapshot); --qemu-pid alone reads QEMU\'s own state');
      return runInternalsOnly(pid, json, trace, io);
    }
    let peers: LivePeers | undefined;
    try {
      peers = await openLivePeers(args);
      const snap = await takeSnapshot({ qmp: peers.qmp, gdb: peers.gdb });
      const internals = pid === undefined ? undefined : await readInternalsOrReport('snapshot', pid, io);
      if (typeof internals === 'number') return internals;
      let checks: CrossCheckReport | undefined;
      const tree = internals && tracePath !== undefined ? await crossCheckWithTrace(tracePath, internals, io) : undefined;
      if (typeof tree === 'number') return tree;
      if (internals) checks = await crossCheck(internals, new QemuMonitor(peers.qmp), tree ? { path: tree.trace, analysis: tree.analysis } : undefined);
      const extra = { ...(internals ? { internals: internalsJson(internals) } : {}), ...(checks ? { crossChecks: crossCheckJson(checks) } : {}), ...(tree ? { crossCheck: treeCheckJson(tree) } : {}) };
      if (json) io.stdout.write(JSON.stringify({ ...snapshotJson(snap), ...extra }) + '\n');
      else io.stdout.write(termLines(snapshotText(snap) + (internals ? '\n' + internalsText(internals) : '') + (checks ? crossCheckText(checks) : '') + (tree ? '\n' + treeCheckText(tree) : '')));
      return checks?.findings.length || treeDiffers(tree) ? 1 : 0;
    } catch (e) {
      return liveFailure('snapshot', e, io);
    } finally {
      await peers?.close();
    }
  },
};

async function runInternalsOnly(pid: number, json: boolean, trace: string | undefined, io: CliIO): Promise<number> {
  const internals = await readInternalsOrReport('snapshot', pid, io);
  if (typeof internals === 'number') return internals;
  return writeInternals(internals, json, trace, io);
}

/** QEMU's internals, and with --trace the cross-check (exit 1 when the trees differ). */
async function writeInternals(internals: QemuInternals, json: boolean, trace: string | undefined, io: CliIO): Promise<number> {
  const check = trace === undefined ? undefined : await crossCheckWithTrace(trace, internals, io);
  if (typeof check === 'number') return check;
  if (json) io.stdout.write(JSON.stringify({ internals: internalsJson(internals), ...(check ? { crossCheck: treeCheckJson(check) } : {}) }) + '\n');
  else io.stdout.write(termLines(internalsText(internals) + (check ? '\n' + treeCheckText(check) : '')));
  return treeDiffers(check) ? 1 : 0;
}

const treeDiffers = (c: TraceCrossCheck | undefined): boolean => c?.result.status === 'different';
