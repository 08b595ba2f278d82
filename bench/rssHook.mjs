// Loaded with `node --import` into a benchmarked process: prints its peak RSS on exit.
process.on('exit', () => {
  process.stderr.write(`\nmaxRSS_KiB=${process.resourceUsage().maxRSS}\n`);
});
