// Loaded with `node --expose-gc --import` into the benchmarked language server: on SIGUSR2 it
// collects garbage and prints to stderr, as one "lsmem" line, the heap figures, the peak RSS and
// the longest the event loop was blocked since the previous report. The server itself knows
// nothing about it; signals arrive on its event loop like requests.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

process.on('SIGUSR2', () => {
  const loopMaxMs = loop.max / 1e6;
  loop.reset();
  globalThis.gc?.();
  const m = process.memoryUsage();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stderr.write(`lsmem ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, peakRss, loopMaxMs })}\n`);
});
