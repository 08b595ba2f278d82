// Options every trace command shares: user trace-events files, QEMU layout, IOTLB_PERSIST.
import { type OptionSpec, type ParsedArgs, oneValue } from '../args.js';
import { UsageError } from '../io.js';
import type { AnalyzeOptions } from '../../trace/analyze.js';

export const replayOptionSpec: Record<string, OptionSpec> = {
  'trace-events': { value: true, repeat: true },
  'qemu-layout': { value: true },
  'iotlb-persist': {},
  'qemu-log': { value: true },
};

export function replayOptionsFrom(args: ParsedArgs): AnalyzeOptions & { qemuLogPath?: string } {
  const layout = oneValue(args, 'qemu-layout') ?? 'auto';
  if (layout !== 'legacy' && layout !== 'current' && layout !== 'auto') throw new UsageError(`--qemu-layout must be legacy, current or auto, not "${layout}"`);
  const qemuLog = oneValue(args, 'qemu-log');
  return { layout, iotlbPersist: args.flags.has('iotlb-persist'), traceEvents: args.values.get('trace-events') ?? [], ...(qemuLog ? { qemuLogPath: qemuLog } : {}) };
}
