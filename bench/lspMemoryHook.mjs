// Loaded with `node --expose-gc --import` into the benchmarked language server: on SIGUSR2 it
// collects garbage and prints the heap figures and the peak RSS to stderr as one "lsmem" line.
// The server itself knows nothing about it; signals arrive on its event loop like requests.
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  process.stderr.write(`lsmem ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, peakRss })}\n`);
});
