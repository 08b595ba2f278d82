// iova-lens resolve TRACE --line N ADDR: the translation chain of ADDR as of line N.
import { parseArgs, oneValue } from '../args.js';
import { addressOperand } from '../addressOperand.js';
import { UsageError, type CommandSpec } from '../io.js';
import { analyzeTraceFile } from '../../trace/analyze.js';
import { isSpace, SPACES } from '../../trace/replay/spaces.js';
import { resolveFirst } from '../../model/resolve.js';
import { resolveJson, resolveText } from '../report/resolveReport.js';
import type { ResolveResult } from '../../trace/replay/resolveAt.js';
import type { TraceEngine } from '../../trace/replay/engine.js';
import { checkTraceEventsFiles, replayOptionsFrom, replayOptionSpec } from './replayOptions.js';
import { progressReporter } from '../progress.js';
import { InputFileError } from '../../trace/read/inputFile.js';
import { termLines, termSafe } from '../termText.js';
import { runLiveResolve } from './liveResolve.js';
import { liveOptionSpec } from './snapshot.js';
import { readQemuLog } from '../../trace/qemuLog.js';
import { runInternalsResolve } from './internalsResolve.js';
import { qemuPidOptionSpec } from './qemuPid.js';

const USAGE =
  'iova-lens resolve TRACE --line N ADDR [--space gpa|hva|iova|giova] [--asid N] [--device BB:DD.F] [--qemu-log FILE] [--json]\n' +
  '       iova-lens resolve --qmp unix:PATH|tcp:HOST:PORT [--gdb HOST:PORT] [--device BB:DD.F] [--space giova|gpa|hva] ADDR [--json]\n' +
  '       iova-lens resolve --qemu-pid PID [--device BB:DD.F] [--space giova|gpa|hva] ADDR [--json]\n' +
  '  ADDR is 0x… or decimal; or named by its space, which then needs no --space: gpa:0x1000, hva:0x…, giova:BB:DD.F:0x…';

export const resolveCommand: CommandSpec = {
  name: 'resolve',
  summary: 'the translation chain of one address at one line of a trace',
  usage: USAGE,
  async run(argv, io) {
    const args = parseArgs(argv, { json: {}, line: { value: true }, space: { value: true }, asid: { value: true }, device: { value: true }, ...replayOptionSpec, ...liveOptionSpec, ...qemuPidOptionSpec });
    if (args.values.has('qemu-pid')) return runInternalsResolve(args, io);
    if (args.values.has('qmp') || args.values.has('gdb')) return runLiveResolve(args, io);
    const [file, addrText, ...extra] = args.positional;
    if (!file || !addrText) throw new UsageError('need a TRACE and an ADDR');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const lineText = oneValue(args, 'line');
    if (!lineText || !/^[1-9]\d*$/.test(lineText)) throw new UsageError('--line N (a 1-based line number) is required');
    const { addr, space: spaceText, device } = addressOperand(addrText, args);
    if (spaceText !== undefined && !isSpace(spaceText)) throw new UsageError(`--space must be one of ${SPACES.join(', ')}`);
    const asidText = oneValue(args, 'asid');
    if (asidText !== undefined && !/^\d+$/.test(asidText)) throw new UsageError('--asid takes a number');
    if (device !== undefined && !/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(device)) throw new UsageError('--device takes a PCI address BB:DD.F');

    const { qemuLogPath, ...replayOpts } = replayOptionsFrom(args);
    await checkTraceEventsFiles(replayOpts);
    // with QEMU's log, maps the kernel refused are known, and resolve treats them as never mapped
    const qemuLogData = qemuLogPath === undefined ? undefined : await readQemuLog(qemuLogPath);
    const progress = progressReporter(io, termSafe(file));
    const { engine, readError } = await analyzeTraceFile(file, { ...replayOpts, ...(qemuLogData ? { qemuLogData } : {}), onProgress: progress.update }).finally(progress.done);
    if (readError) throw new InputFileError(file, readError);
    const line = Number(lineText);
    const lines = engine.summary().lines;
    if (line > lines) throw new UsageError(`--line ${line} is past the end of ${file} (${lines} lines)`);
    const opts = { asid: asidText === undefined ? undefined : Number(asidText), device: device?.toLowerCase() };
    const result = spaceText ? engine.resolve(spaceText, addr, line, opts) : resolveAnySpace(engine, addr, line, opts);
    io.stdout.write(args.flags.has('json') ? JSON.stringify(resolveJson(result)) + '\n' : termLines(resolveText(result)));
    return result.error ? 1 : 0;
  },
};

/** Without --space: the first space, in the order users most often mean, where ADDR resolves. */
function resolveAnySpace(engine: TraceEngine, addr: bigint, line: number, opts: { asid?: number; device?: string }): ResolveResult {
  const { answer, resolved } = resolveFirst(['iova', 'giova', 'gpa', 'hva'], addr, { timeline: engine.resolveSource(line) }, opts);
  return { ...answer, line, ...(resolved ? {} : { error: `0x${addr.toString(16)} is not mapped in any space (IOVA, guest IOVA, GPA, HVA) at line ${line}` }) };
}
