// --qemu-pid PID: read QEMU's own state from its process through a headless gdb (part 9).
// Shared by `snapshot` (adds `internals`) and `resolve` (answers from them, no QMP needed).
// --qemu-core CORE --qemu-exe EXE: the same from a core of QEMU (gcore, a crash dump).
import { oneValue, type ParsedArgs } from '../args.js';
import { UsageError, type CliIO } from '../io.js';
import { INTERNALS_ERRORS, readQemuCore, readQemuInternals } from '../../qemu/internals/index.js';
import type { QemuInternals } from '../../model/qemuInternals.js';
import { termSafe } from '../termText.js';

export const qemuPidOptionSpec = { 'qemu-pid': { value: true } } as const;
export const qemuCoreOptionSpec = { 'qemu-core': { value: true }, 'qemu-exe': { value: true } } as const;

/** --qemu-core CORE with its --qemu-exe EXE, or undefined when neither is given. */
export function qemuCoreArgs(args: ParsedArgs): { core: string; exe: string } | undefined {
  const core = oneValue(args, 'qemu-core');
  const exe = oneValue(args, 'qemu-exe');
  if (core === undefined && exe === undefined) return undefined;
  if (core === undefined) throw new UsageError('--qemu-exe goes with --qemu-core CORE (the core of QEMU to read)');
  if (exe === undefined) throw new UsageError('--qemu-core needs --qemu-exe EXE: the QEMU binary, with debug information, the core was taken of');
  return { core, exe };
}

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
export function readInternalsOrReport(command: string, pid: number, io: CliIO): Promise<QemuInternals | number> {
  return orReport(command, io, () => readQemuInternals(pid));
}

/** The same from a core of QEMU and the executable it was taken of. */
export function readCoreOrReport(command: string, exe: string, core: string, io: CliIO): Promise<QemuInternals | number> {
  return orReport(command, io, () => readQemuCore(exe, core));
}

async function orReport(command: string, io: CliIO, read: () => Promise<QemuInternals>): Promise<QemuInternals | number> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof Error && INTERNALS_ERRORS.has(e.name)) {
      io.stderr.write(`iova-lens ${command}: ${termSafe(e.message)}\n`);
      return 2;
    }
    throw e;
  }
}
