// Why QEMU's memory could not be read through the user's own C/C++ debug session, each saying what
// the user can do about it. `reason` lets surfaces decide (a hover stays silent on 'running').

export type CSessionFailure =
  /** the session is not stopped: the adapter answers evaluate/readMemory only at a stop */
  | 'running'
  /** the adapter does not implement DAP's readMemory */
  | 'no-read-memory'
  /** QEMU's executable in that session has no symbols or types */
  | 'no-debug-info'
  /** the debuggee is not a QEMU system emulator */
  | 'not-qemu'
  /** the adapter did not answer in time */
  | 'timeout'
  /** the adapter refused a request (its message is quoted) */
  | 'refused'
  /** a read was larger than the reader's budget allows */
  | 'too-much';

export class CSessionError extends Error {
  /** the debugger's own words, when it answered */
  readonly answer: string | undefined;
  constructor(readonly reason: CSessionFailure, readonly session: string, detail: string, answer?: string) {
    super(`reading QEMU through the debug session "${session}": ${detail}`);
    this.name = 'CSessionError';
    this.answer = answer;
  }
}

export const notStopped = (session: string, what: string): CSessionError =>
  new CSessionError('running', session, `the session is not stopped (${what}): QEMU's memory is read only while it is stopped at a breakpoint or paused; pause it, then hover again`);

export const noReadMemory = (session: string, adapter: string): CSessionError =>
  new CSessionError(
    'no-read-memory',
    session,
    `its debug adapter (${adapter}) does not support DAP's readMemory request, so QEMU's memory cannot be read through it; use an adapter that does (Eclipse CDT GDB, cppdbg, CodeLLDB) or let IOVA Lens read QEMU itself (iova-lens snapshot --qemu-pid)`,
  );

export const noDebugInfo = (session: string, answer: string): CSessionError =>
  new CSessionError(
    'no-debug-info',
    session,
    `the debugger knows no AddressSpace type (it answered "${answer}"): QEMU has no debug information there. Debug a QEMU built with --enable-debug-info and not stripped (scripts/build-qemu-debug.sh), install your distribution's debug symbols, or let gdb fetch them through debuginfod (set DEBUGINFOD_URLS)`,
  );
