// Options every trace command shares: user trace-events files, QEMU layout, IOTLB_PERSIST.
import { isQemuLayout } from '../../model/qemuLayout.js';
import { type OptionSpec, type ParsedArgs, oneValue } from '../args.js';
import { UsageError } from '../io.js';
import type { AnalyzeOptions } from '../../trace/analyze.js';
import { checkRegularFile } from '../../trace/read/inputFile.js';

export const replayOptionSpec: Record<string, OptionSpec> = {
  'trace-events': { value: true, repeat: true },
  'qemu-layout': { value: true },
  'iotlb-persist': {},
  'qemu-log': { value: true },
};

export function replayOptionsFrom(args: ParsedArgs): AnalyzeOptions & { qemuLogPath?: string } {
  const layout = oneValue(args, 'qemu-layout') ?? 'auto';
  if (!isQemuLayout(layout)) throw new UsageError(`--qemu-layout must be legacy, current or auto, not "${layout}"`);
  const qemuLog = oneValue(args, 'qemu-log');
  return { layout, iotlbPersist: args.flags.has('iotlb-persist'), traceEvents: args.values.get('trace-events') ?? [], ...(qemuLog ? { qemuLogPath: qemuLog } : {}) };
}

/** Every --trace-events file must be readable before any trace is: exit 2 (InputFileError) if not. */
export async function checkTraceEventsFiles(opts: AnalyzeOptions): Promise<void> {
  for (const f of opts.traceEvents ?? []) await checkRegularFile(f);
}
