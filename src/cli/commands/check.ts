// iova-lens check TRACE…: replay traces, print the summary and the diagnostics.
// Exit 0 without error-level diagnostics, 1 with, 2 on bad usage or unreadable input: a file
// that is not a regular file, a corrupt or truncated simpletrace, a file with no trace event.
import { parseArgs } from '../args.js';
import { UsageError, type CommandSpec } from '../io.js';
import { analyzeTraceFile, type Analysis } from '../../trace/analyze.js';
import { checkJson, checkText } from '../report/checkReport.js';
import { checkTraceEventsFiles, replayOptionsFrom, replayOptionSpec } from './replayOptions.js';
import { progressReporter } from '../progress.js';
import { termSafe } from '../termText.js';
import { whyUnreadable } from '../../trace/read/inputFile.js';
import { readQemuLog, type QemuLog } from '../../trace/qemuLog.js';

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'replay QEMU traces through the model and report what is wrong',
  usage: 'iova-lens check TRACE… [--json] [--trace-events FILE]… [--qemu-layout legacy|current|auto] [--iotlb-persist] [--qemu-log FILE]',
  async run(argv, io) {
    const args = parseArgs(argv, { json: {}, ...replayOptionSpec });
    if (args.positional.length === 0) throw new UsageError('no trace file given');
    const { qemuLogPath, ...opts } = replayOptionsFrom(args);
    await checkTraceEventsFiles(opts);
    const json = args.flags.has('json');
    let qemuLogData: QemuLog | undefined;
    if (qemuLogPath !== undefined) {
      try {
        qemuLogData = await readQemuLog(qemuLogPath);
      } catch (e) {
        io.stderr.write(`iova-lens check: cannot read the QEMU log ${termSafe(qemuLogPath)}: ${termSafe(whyUnreadable(e))}\n`);
        return 2;
      }
    }
    let worst = 0;
    const jsonOut: unknown[] = [];
    const complain = (text: string): void => {
      io.stderr.write(`iova-lens check: ${termSafe(text)}\n`);
    };
    for (const file of args.positional) {
      const progress = progressReporter(io, termSafe(file));
      let analysis: Analysis;
      try {
        analysis = await analyzeTraceFile(file, { ...opts, ...(qemuLogData ? { qemuLogData } : {}), onProgress: progress.update });
      } catch (e) {
        progress.done();
        const err = e as NodeJS.ErrnoException;
        complain(err.name === 'InputFileError' ? err.message : `cannot read ${file}: ${err.code ?? err.message}`);
        worst = 2;
        continue;
      }
      progress.done();
      const { engine, definitionProblems, readError } = analysis;
      const summary = engine.summary();
      const diags = engine.diagnostics();
      if (!readError && summary.events + summary.malformed === 0) {
        // a source file or a log of something else: saying "0 events, no error" would mislead
        complain(`no QEMU trace event in ${file} (${summary.lines} line(s) read; expected log-backend lines like "vhost_vdpa_dma_map …", ftrace trace_marker lines, or a simpletrace file)`);
        if (json) jsonOut.push(checkJson(summary, diags));
        worst = 2;
        continue;
      }
      if (json) jsonOut.push(checkJson(summary, diags));
      else io.stdout.write(checkText(file, summary, diags, definitionProblems) + (args.positional.length > 1 ? '\n' : ''));
      if (definitionProblems.length && json) for (const p of definitionProblems) complain(`trace-events: ${p}`);
      if (readError) {
        complain(`cannot read all of ${file}: ${readError}; the report covers the records before it`);
        worst = 2;
      }
      if (diags.some((d) => d.severity === 'error')) worst = Math.max(worst, 1);
    }
    if (json) io.stdout.write(JSON.stringify(jsonOut.length === 1 ? jsonOut[0] : jsonOut) + '\n');
    return worst;
  },
};
