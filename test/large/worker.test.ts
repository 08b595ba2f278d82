// The worker round trip over a real worker_threads Worker: open with progress, then lines,
// hover, definition, diagnostics, filter; cancellation of a build; errors as answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateLargeTrace } from '../../bench/largeTraceGen.js';
import { samplePath, startSourceWorker, tempDir, referenceLines } from './helpers.js';

test('open reports rising progress, the replay too, then every request is answered from the worker', async () => {
  const tmp = tempDir();
  const w = startSourceWorker();
  try {
    const g = generateLargeTrace(tmp.dir + '/t.log', 6_000_000, 11);
    const progress: number[] = [];
    const opened = await w.request({ type: 'open', path: g.path, stride: 64 }, { onProgress: (f) => progress.push(f) });
    assert.equal(opened.summary.lines, g.lines);
    assert.equal(opened.summary.bytes, g.bytes);
    // the index is the newline scan: lines known, the replay not done yet
    assert.equal(opened.summary.replayed, false);
    assert.ok(progress.length >= 1 && progress.every((p, i) => p > 0 && p <= 1 && (i === 0 || p > progress[i - 1])) && progress.at(-1) === 1, String(progress));
    const replayProgress: number[] = [];
    const replayed = await w.request({ type: 'replay' }, { onProgress: (f) => replayProgress.push(f) });
    assert.equal(replayed.summary.replayed, true);
    assert.equal(replayed.summary.lines, g.lines);
    assert.ok(replayed.summary.events > g.lines * 0.9, JSON.stringify(replayed.summary));
    assert.ok(replayProgress.length >= 5, `replay progress: ${replayProgress}`);
    assert.ok(replayProgress.every((p, i) => p > 0 && p <= 1 && (i === 0 || p > replayProgress[i - 1])) && replayProgress.at(-1) === 1, String(replayProgress));

    const want = referenceLines(readFileSync(g.path, 'utf8'));
    const mid = Math.floor(want.length / 2);
    const r = await w.request({ type: 'lines', from: mid, count: 200 });
    assert.deepEqual(r.lines.map((l) => l.text), want.slice(mid - 1, mid + 199));
    const at = await w.request({ type: 'linesAt', lines: [want.length, 1, mid] });
    assert.deepEqual(at.lines.map((l) => l.text), [want[want.length - 1], want[0], want[mid - 1]]);

    // a translation line: the hover chain reaches the GPA printed on it
    const l = want.findIndex((t, i) => i > mid && t.includes('vtd_dmar_translate')) + 1;
    const m = /iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+)/.exec(want[l - 1])!;
    const h = await w.request({ type: 'hover', line: l, column: want[l - 1].indexOf(m[1]) });
    assert.match(h.hover?.markdown ?? '', new RegExp(`2\\. GPA \`${m[2]}\``));
    // its definition: the earlier lines that created the hops of its chain, among them the
    // listener section of guest RAM that holds its GPA
    const d = await w.request({ type: 'definition', line: l, column: want[l - 1].indexOf(m[1]) });
    const ram = want.findIndex((t) => t.includes('vhost_vdpa_listener_region_add') && t.includes('iova 0x0 llend 0x80000000')) + 1;
    assert.ok(d.lines.includes(ram), `definition of line ${l}: ${JSON.stringify(d.lines)}, RAM section at ${ram}`);
    assert.ok(d.lines.every((x) => x < l && /vtd_dmar_translate|listener_region_add|dma_map/.test(want[x - 1])), JSON.stringify(d.lines));

    const res = await w.request({ type: 'resolve', space: 'giova', addr: m[1], line: l, device: '00:02.0' });
    assert.deepEqual(res.result.hops.slice(0, 2).map((x) => [x.space, x.addr]), [['giova', m[1]], ['gpa', m[2]]]);
    const state = await w.request({ type: 'stateAt', line: l });
    assert.ok(state.state.tables.some((t) => t.kind === 'viommu' && t.mappings.some((x) => x.target === m[2])));
    const diags = await w.request({ type: 'diagnostics', from: 1, to: want.length });
    assert.equal(diags.items.length, replayed.summary.diagnostics);
    const f = await w.request({ type: 'filter', criteria: { family: 'vhost_vdpa_dma_unmap' } });
    assert.deepEqual(f.result.lines, want.flatMap((t, i) => (t.includes(':vhost_vdpa_dma_unmap ') ? [i + 1] : [])));

    await assert.rejects(w.request({ type: 'lines', from: want.length + 1, count: 1 }), /line \d+ is outside .*t\.log/);
    const stats = await w.request({ type: 'stats' });
    assert.ok(stats.maxRssKiB > 0 && stats.heapUsedBytes > 0);
  } finally {
    await w.terminate();
    tmp.remove();
  }
});

test('cancel stops an index build; the worker can then open another file', async () => {
  const tmp = tempDir();
  const w = startSourceWorker();
  try {
    const g = generateLargeTrace(tmp.dir + '/big.log', 30_000_000, 5);
    const ac = new AbortController();
    const opening = w.request({ type: 'open', path: g.path }, { signal: ac.signal, onProgress: () => ac.abort() });
    await assert.rejects(opening, (e: Error & { cancelled?: boolean }) => e.cancelled === true && /was cancelled/.test(e.message));
    await assert.rejects(w.request({ type: 'lines', from: 1, count: 1 }), /no trace is open in this worker/);
    const ok = await w.request({ type: 'open', path: samplePath('aliased-unmap-svq-legacy.log') });
    assert.equal(ok.summary.lines, 18);
    await assert.rejects(w.request({ type: 'open', path: g.path }), /already has a trace open/);
  } finally {
    await w.terminate();
    tmp.remove();
  }
});

test('a missing file is an answer naming it, not a dead worker', async () => {
  const w = startSourceWorker();
  try {
    await assert.rejects(w.request({ type: 'open', path: '/nonexistent/trace.log' }), /cannot open trace \/nonexistent\/trace\.log: no such file/);
    await w.request({ type: 'open', path: samplePath('aliased-unmap-svq-legacy.log') });
    assert.equal((await w.request({ type: 'replay' })).summary.diagnostics, 2);
  } finally {
    await w.terminate();
  }
});
