// --qemu-pid PID: read QEMU's own state from its process through a headless gdb (part 9).
// Shared by `snapshot` (adds `internals`) and `resolve` (answers from them, no QMP needed).
import { oneValue, type ParsedArgs } from '../args.js';
import { UsageError, type CliIO } from '../io.js';
import { INTERNALS_ERRORS, readQemuInternals } from '../../qemu/internals/index.js';
import type { QemuInternals } from '../../model/qemuInternals.js';
import { termSafe } from '../termText.js';

export const qemuPidOptionSpec = { 'qemu-pid': { value: true } } as const;

/** The PID given with --qemu-pid, or undefined when the option is absent. */
export function qemuPidArg(args: ParsedArgs): number | undefined {
  const text = oneValue(args, 'qemu-pid');
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 0x7fffffff) throw new UsageError(`--qemu-pid takes a process id, not "${text}"`);
  return Number(text);
}

/**
 * QEMU's internals read from process `pid`, or the exit code after a failure of reading QEMU's
 * process was reported as such (exit 2, not an internal error); anything else is thrown on.
 */
export async function readInternalsOrReport(command: string, pid: number, io: CliIO): Promise<QemuInternals | number> {
  try {
    return await readQemuInternals(pid);
  } catch (e) {
    if (e instanceof Error && INTERNALS_ERRORS.has(e.name)) {
      io.stderr.write(`iova-lens ${command}: ${termSafe(e.message)}\n`);
      return 2;
    }
    throw e;
  }
}
