// The adapter runs inside the extension host (DebugAdapterInlineImplementation): an exception
// that escapes from one of its callbacks must not take the host, and every other extension, down.
// The QMP and gdbstub clients already turn bad peer data into typed errors; this is the last
// line: while a session lives, an uncaught exception or unhandled rejection is reported to the
// sessions (as console output) instead of ending the process. Standalone, the adapter keeps
// serving the same way.
type Reporter = (e: Error, origin: string) => void;

const reporters = new Set<Reporter>();

const onError = (e: unknown, origin: string): void => {
  const err = e instanceof Error ? e : new Error(String(e));
  for (const r of [...reporters]) {
    try {
      r(err, origin);
    } catch {
      // a reporter that fails cannot report; the others still try
    }
  }
};
const onException = (e: unknown): void => onError(e, 'uncaught exception');
const onRejection = (e: unknown): void => onError(e, 'unhandled rejection');

/** Report process-level faults to `report` until the returned function is called. */
export function guardProcess(report: Reporter): () => void {
  if (reporters.size === 0) {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
  }
  reporters.add(report);
  return () => {
    if (!reporters.delete(report) || reporters.size > 0) return;
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
