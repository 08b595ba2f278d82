// One measurement of the large-trace path in a fresh process (so peak RSS is this file's alone):
// open through the bundled worker as the extension does, then hovers, line blocks and filters.
// Usage: node --import tsx bench/largeChild.ts FILE [--queries|--filters]  → one JSON line on stdout.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { LargeTraceWorker } from '../src/large/workerClient.js';
import { prng } from '../src/shared/prng.js';

export interface LargeChildResult {
  file: string;
  bytes: number;
  lines: number;
  diagnostics: number;
  /** open → lines known (the newline scan): the viewer scrolls and filters from here */
  indexMs: number;
  /** open → replay done (in the background after the index) */
  replayMs: number;
  /** hovers sent while the replay was running: latency, and how many said "still indexing" */
  hoverDuringReplay?: { count: number; pending: number; p50: number; p99: number; max: number };
  maxRssKiB: number;
  workerHeapBytes: number;
  hover?: { count: number; answered: number; p50: number; p99: number; max: number };
  lines200?: { count: number; p50: number; p99: number };
  filters?: { criteria: string; ms: number; matches: number }[];
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Lines whose address field the bench hovers, and the field's printed value. */
const HOVERABLE = /(?:vtd_dmar_translate dev \S+ iova|vhost_vdpa_dma_(?:map|unmap) .* iova:|vtd_iotlb_page_hit .* iova|vtd_inv_desc_iotlb_pages .* addr|listener_region_add vdpa: \S+ iova) (0x[0-9a-f]+)/;

async function main(): Promise<void> {
  const [file, flag] = process.argv.slice(2);
  const bundle = join(process.cwd(), 'dist', 'largeTraceWorker.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run node scripts/build.mjs first (npm run bench does)`);
  const w = LargeTraceWorker.start(bundle);
  try {
    const t0 = performance.now();
    const opened = await w.request({ type: 'open', path: file });
    const indexMs = performance.now() - t0;
    const replaying = w.request({ type: 'replay' });
    let replayEnd = 0;
    void replaying.then(() => (replayEnd = performance.now()), () => undefined);
    const rand = prng(99);
    let hoverDuringReplay: LargeChildResult['hoverDuringReplay'];
    if (flag === '--queries') {
      // a user scrolling and hovering while the replay runs: any line, answered or "still indexing"
      const times: number[] = [];
      let pending = 0;
      while (times.length < 50 && replayEnd === 0) {
        const line = 1 + Math.floor(rand() * opened.summary.lines);
        const [l] = (await w.request({ type: 'lines', from: line, count: 1 })).lines;
        const m = HOVERABLE.exec(l.text);
        if (!m) continue;
        const h0 = performance.now();
        const h = await w.request({ type: 'hover', line, column: m.index + m[0].length - m[1].length });
        times.push(performance.now() - h0);
        if (h.hover?.pending) pending++;
      }
      if (times.length) hoverDuringReplay = { count: times.length, pending, p50: pct(times, 50), p99: pct(times, 99), max: Math.max(...times) };
    }
    const s = (await replaying).summary;
    const replayMs = (replayEnd || performance.now()) - t0;
    const out: LargeChildResult = { file, bytes: s.bytes, lines: s.lines, diagnostics: s.diagnostics, indexMs, replayMs, maxRssKiB: 0, workerHeapBytes: 0, ...(hoverDuringReplay ? { hoverDuringReplay } : {}) };
    if (flag === '--queries') {
      const times: number[] = [];
      let answered = 0;
      while (times.length < 200) {
        const line = 1 + Math.floor(rand() * s.lines);
        const [l] = (await w.request({ type: 'lines', from: line, count: 1 })).lines;
        const m = HOVERABLE.exec(l.text);
        if (!m) continue;
        const column = m.index + m[0].length - m[1].length;
        const h0 = performance.now();
        const h = await w.request({ type: 'hover', line, column });
        times.push(performance.now() - h0);
        if (h.hover) answered++;
      }
      out.hover = { count: times.length, answered, p50: pct(times, 50), p99: pct(times, 99), max: Math.max(...times) };
      const blocks: number[] = [];
      for (let i = 0; i < 100; i++) {
        const from = 1 + Math.floor(rand() * (s.lines - 200));
        const b0 = performance.now();
        await w.request({ type: 'lines', from, count: 200 });
        blocks.push(performance.now() - b0);
      }
      out.lines200 = { count: blocks.length, p50: pct(blocks, 50), p99: pct(blocks, 99) };
    }
    if (flag === '--queries' || flag === '--filters') {
      out.filters = [];
      for (const criteria of [{ family: 'vhost_vdpa_dma_unmap' }, { space: 'giova' as const, start: '0xffff0000', last: '0xffff0fff' }, { device: '00:02.0' }, { asid: 0 }]) {
        const f0 = performance.now();
        const r = await w.request({ type: 'filter', criteria });
        out.filters.push({ criteria: JSON.stringify(criteria), ms: performance.now() - f0, matches: r.result.lines.length });
      }
    }
    const stats = await w.request({ type: 'stats' });
    out.maxRssKiB = stats.maxRssKiB;
    out.workerHeapBytes = stats.heapUsedBytes;
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    await w.terminate();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
