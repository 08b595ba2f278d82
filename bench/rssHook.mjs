// Loaded with `node --import` into a benchmarked process: prints its peak RSS on exit (and its
// CPU time, user + system, when IOVA_LENS_BENCH_CPU is set: a figure a loaded machine disturbs
// less than wall time).
process.on('exit', () => {
  const u = process.resourceUsage();
  const cpu = process.env.IOVA_LENS_BENCH_CPU ? `\ncpu_ms=${Math.round((u.userCPUTime + u.systemCPUTime) / 1000)}` : '';
  process.stderr.write(`\nmaxRSS_KiB=${u.maxRSS}${cpu}\n`);
});
