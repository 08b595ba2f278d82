// How long the live clients wait for a peer by default. A QEMU that is alive answers QMP and the
// gdbstub in milliseconds even under TCG, so a peer silent for 2 s is reported as dead; every
// entry point lets the user raise it (CLI --timeout MS, attach argument timeoutMs).
export const DEFAULT_TIMEOUT_MS = 2000;

/** Parse a user-given timeout (ms): a positive integer up to 10 minutes, or undefined if bad. */
export function parseTimeoutMs(text: string): number | undefined {
  if (!/^\d{1,7}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n >= 1 && n <= 600_000 ? n : undefined;
}
