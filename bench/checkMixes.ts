// `check` on mixes that keep maps live and are VT-d heavy (genMixTrace.ts): the realistic 1M- and
// 2M-line mixes and 500k map/unmap pairs. Each prints check's wall time against awk '{n+=NF}'
// and wc -l timed in the same run on the same file, and check's peak RSS. The goals are printed
// next to the ratios; nothing here fails on them (the machine may be loaded).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baselineText, measureCheck } from './timing.js';
import { writeFileSync } from 'node:fs';
import { generatePairsTrace, generateRealisticTrace } from './genMixTrace.js';
import type { GeneratedTrace } from './genTrace.js';


function report(name: string, gen: GeneratedTrace, runs: number): void {
  const m = measureCheck(gen.path, runs);
  console.log(
    `  ${name.padEnd(22)} ${String(gen.lines).padStart(8)} lines ${(gen.bytes / 1e6).toFixed(1).padStart(6)} MB: ` +
      `check ${m.check.toFixed(0)} ms, awk ${m.awk.toFixed(0)} ms, wc -l ${m.wc.toFixed(0)} ms; ` +
      `check/awk ${(m.check / m.awk).toFixed(2)} (goal <= 4), check/wc ${(m.check / m.wc).toFixed(1)}, peak RSS ${m.rssMB.toFixed(0)} MB (goal <= 300)` + baselineText(m),
  );
}

/** Issue 15's big legal input: a million dma_map lines no format accepts (each a parse-error). */
function malformedTrace(path: string, lines: number): GeneratedTrace {
  const text: string[] = [];
  for (let i = 0; i < lines; i++) text.push(`vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 bogus ${i}`);
  const data = text.join('\n') + '\n';
  writeFileSync(path, data);
  return { path, lines, bytes: Buffer.byteLength(data) };
}

export function runCheckMixesBench(): void {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-bench-'));
  try {
    console.log('check on realistic mixes (~7k vDPA maps live, VT-d heavy) and map/unmap pairs (one check run each; awk and wc best of 3):');
    const file = join(dir, 'trace.log');
    report('realistic 1M', generateRealisticTrace(file, 1_000_000, 42), 1);
    report('realistic 2M', generateRealisticTrace(file, 2_000_000, 43), 1);
    report('500k map/unmap pairs', generatePairsTrace(file, 500_000, 44), 1);
    report('1M malformed lines', malformedTrace(file, 1_000_000), 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
