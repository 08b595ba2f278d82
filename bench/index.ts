// All benchmarks: node --import tsx bench/index.ts (npm run bench). Pass names to run a subset:
// npm run bench -- model check
import { runModelBench } from './model.js';
import { runCheckBench } from './check.js';
import { runCheckMixesBench } from './checkMixes.js';
import { runTraceReadBench } from './traceRead.js';
import { runSnapshotBench } from './snapshot.js';
import { runInternalsBench } from './internals.js';
import { runInternalsUnderGdbBench } from './internalsUnderGdb.js';

const benches: Record<string, () => Promise<unknown>> = {
  model: runModelBench,
  read: () => runTraceReadBench(),
  // the old generator's trace, then the mixes that keep maps live; `mixes` runs only those
  check: async () => {
    await runCheckBench();
    runCheckMixesBench();
  },
  mixes: async () => runCheckMixesBench(),
  snapshot: () => runSnapshotBench(),
  internals: async () => {
    await runInternalsBench();
    await runInternalsUnderGdbBench();
  },
  large: async () => (await import('./large.js')).runLargeBench(),
  lsp: async () => (await import('./languageServer.js')).runLanguageServerBench(),
  soak: async () => (await import('./soak.js')).runSoakBench(),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const [name, run] of Object.entries(benches)) {
    if (wanted.length && !wanted.includes(name)) continue;
    // the soak takes minutes: only when asked for (npm run bench -- soak)
    if (!wanted.length && (name === 'soak' || name === 'mixes')) continue;
    await run();
    console.log('');
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
