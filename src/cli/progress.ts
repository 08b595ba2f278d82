// A progress line on stderr while a long file is read: only when stderr is a terminal.
import type { CliIO } from './io.js';

export function progressReporter(io: CliIO, label: string): { update: (bytes: number, total: number) => void; done: () => void } {
  if (!io.stderrIsTTY) return { update: () => undefined, done: () => undefined };
  let last = 0;
  let shown = false;
  return {
    update(bytes, total) {
      const now = Date.now();
      if (now - last < 200 || total < 8 << 20) return;
      last = now;
      shown = true;
      const pct = total ? Math.floor((bytes * 100) / total) : 0;
      io.stderr.write(`\r${label}: ${pct}% (${(bytes / 1048576).toFixed(0)} of ${(total / 1048576).toFixed(0)} MiB)`);
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
