// iova-lens check TRACE…: replay traces, print the summary and the diagnostics.
// Exit 0 without error-level diagnostics, 1 with, 2 on bad usage or unreadable input.
import { parseArgs } from '../args.js';
import { UsageError, type CommandSpec } from '../io.js';
import { analyzeTraceFile } from '../../trace/analyze.js';
import { checkJson, checkText } from '../report/checkReport.js';
import { replayOptionsFrom, replayOptionSpec } from './replayOptions.js';
import { progressReporter } from '../progress.js';
import { readQemuLog, type QemuLog } from '../../trace/qemuLog.js';

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'replay QEMU traces through the model and report what is wrong',
  usage: 'iova-lens check TRACE… [--json] [--trace-events FILE]… [--qemu-layout legacy|current|auto] [--iotlb-persist] [--qemu-log FILE]',
  async run(argv, io) {
    const args = parseArgs(argv, { json: {}, ...replayOptionSpec });
    if (args.positional.length === 0) throw new UsageError('no trace file given');
    const { qemuLogPath, ...opts } = replayOptionsFrom(args);
    const json = args.flags.has('json');
    let qemuLogData: QemuLog | undefined;
    if (qemuLogPath !== undefined) {
      try {
        qemuLogData = await readQemuLog(qemuLogPath);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        io.stderr.write(`iova-lens check: cannot read the QEMU log ${qemuLogPath}: ${err.code ?? err.message}\n`);
        return 2;
      }
    }
    let worst = 0;
    const jsonOut: unknown[] = [];
    for (const file of args.positional) {
      const progress = progressReporter(io, file);
      let analysis;
      try {
        analysis = await analyzeTraceFile(file, { ...opts, ...(qemuLogData ? { qemuLogData } : {}), onProgress: progress.update });
      } catch (e) {
        progress.done();
        const err = e as NodeJS.ErrnoException;
        io.stderr.write(`iova-lens check: cannot read ${file}: ${err.code ?? err.message}\n`);
        worst = 2;
        continue;
      }
      progress.done();
      const { engine, definitionProblems } = analysis;
      const diags = engine.diagnostics();
      if (json) jsonOut.push(checkJson(engine.summary(), diags));
      else io.stdout.write(checkText(file, engine.summary(), diags, definitionProblems) + (args.positional.length > 1 ? '\n' : ''));
      if (definitionProblems.length && json) for (const p of definitionProblems) io.stderr.write(`iova-lens check: trace-events: ${p}\n`);
      if (diags.some((d) => d.severity === 'error') && worst === 0) worst = 1;
    }
    if (json) io.stdout.write(JSON.stringify(jsonOut.length === 1 ? jsonOut[0] : jsonOut) + '\n');
    return worst;
  },
};
