// All benchmarks: node --import tsx bench/index.ts (npm run bench).
import { runModelBench } from './model.js';

async function main(): Promise<void> {
  await runModelBench();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
