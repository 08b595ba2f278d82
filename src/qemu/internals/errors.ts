// Why reading QEMU's own memory failed, each with what the user can do about it. The CLI prints
// the message as is (exit 2); callers switch on the class.

/** The QEMU binary has no debug information: no symbols, no type layouts. */
export class NoDebugInfoError extends Error {
  constructor(readonly pid: number, readonly exe: string, detail: string) {
    super(
      `QEMU (${pid > 0 ? `pid ${pid}, ` : ''}${exe}) has no debug information (${detail}). Reading QEMU's internals needs its symbols and types: ` +
        'run a QEMU built with --enable-debug-info and not stripped (scripts/build-qemu-debug.sh builds Debian\'s QEMU source that way), ' +
        'install your distribution\'s debug symbols for it, or let gdb fetch them through debuginfod (set DEBUGINFOD_URLS).',
    );
    this.name = 'NoDebugInfoError';
  }
}

/** ptrace(PTRACE_ATTACH) was refused. */
export class PtraceRefusedError extends Error {
  /** the PID of the process already tracing QEMU, when gdb said so */
  readonly tracer: number | undefined;
  constructor(readonly pid: number, gdbMessage: string) {
    const tracer = /already traced by process (\d+)/.exec(gdbMessage)?.[1];
    const reason = gdbMessage.split(/\r?\n/).filter((l) => !/^warning:/.test(l)).join('; ').replace(/\.$/, '');
    super(
      tracer !== undefined
        ? `cannot attach to QEMU (pid ${pid}): it is already traced by process ${tracer} (a debugger such as gdb or strace); ptrace allows one tracer at a time: detach that one first, or read through it`
        : `cannot attach to QEMU (pid ${pid}): ${reason}. Only QEMU's parent or a privileged user may attach when ` +
            'kernel.yama.ptrace_scope is 1 (see /proc/sys/kernel/yama/ptrace_scope): run IOVA Lens as root or with CAP_SYS_PTRACE, ' +
            'lower the setting (sysctl kernel.yama.ptrace_scope=0) and run it as the user that started QEMU, or let IOVA Lens start QEMU.',
    );
    this.name = 'PtraceRefusedError';
    this.tracer = tracer === undefined ? undefined : Number(tracer);
  }
}

/** No process with that PID, or it is not a QEMU system emulator. */
export class NotQemuError extends Error {
  constructor(readonly pid: number, detail: string) {
    super(`pid ${pid}: ${detail}`);
    this.name = 'NotQemuError';
  }
}

/** A core of QEMU that cannot be read with the executable given (missing, not a core, another binary's). */
export class CoreFileError extends Error {
  constructor(readonly core: string, detail: string) {
    super(`core ${core}: ${detail}`);
    this.name = 'CoreFileError';
  }
}

/** QEMU exited (or was killed) while IOVA Lens was reading it. */
export class QemuExitedError extends Error {
  constructor(readonly pid: number, during: string) {
    super(`QEMU (pid ${pid}) exited while IOVA Lens was reading it (${during}); nothing was read from a half-gone process`);
    this.name = 'QemuExitedError';
  }
}

/** gdb itself failed: not installed, crashed, too much output, no answer in time, an MI error. */
export class GdbMiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GdbMiError';
  }
}

/** A structure read from QEMU does not check out (a container walk that does not add up, a bad count). */
export class LayoutCheckError extends Error {
  constructor(readonly what: string, reason: string) {
    super(`${what}: refused, the layout does not check out: ${reason}`);
    this.name = 'LayoutCheckError';
  }
}

export const INTERNALS_ERRORS: ReadonlySet<string> = new Set(['CoreFileError', 'NoDebugInfoError', 'PtraceRefusedError', 'NotQemuError', 'QemuExitedError', 'GdbMiError', 'LayoutCheckError']);
