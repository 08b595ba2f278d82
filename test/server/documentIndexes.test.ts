// Re-indexing open documents: debounce, slices that yield, edits abandoning a stale build,
// progress for large documents, requests waiting for the newest version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentIndexes } from '../../src/server/documentIndexes.js';
import { sampleText } from './fixtures.js';

const legacy = sampleText('aliased-unmap-svq-legacy.log');

test('an edit burst is indexed once, at its last version; get() waits for it', async () => {
  const built: number[] = [];
  const docs = new DocumentIndexes({ debounceMs: 20, onIndexed: (_i, v) => built.push(v) });
  docs.update('u', 1, 'x\n');
  docs.update('u', 2, 'y\n');
  docs.update('u', 3, legacy);
  const index = await docs.get('u');
  assert.deepEqual(built, [3]);
  assert.equal(index?.lineCount, 18);
  assert.equal(index?.engine.diagnostics().filter((d) => d.code === 'aliased-unmap').length, 1);
});

test('a large document is built in slices with progress, and the event loop runs in between', async () => {
  const big = Array.from({ length: 200 }, () => legacy).join('');
  const reports: number[] = [];
  let done = 0;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const docs = new DocumentIndexes({
    sliceLines: 100,
    progressLines: 1000,
    progress: async () => ({ report: (p) => reports.push(p), done: () => done++ }),
  });
  docs.update('big', 1, big, true);
  const index = await docs.get('big');
  clearInterval(timer);
  assert.equal(index?.lineCount, 3600);
  assert.equal(done, 1);
  assert.ok(reports.length >= 10 && reports.every((p, i) => i === 0 || p >= reports[i - 1]), String(reports));
  assert.ok(ticks > 0, 'timers never ran while indexing');
});

test('an edit during a build abandons it; close() releases waiters', async () => {
  const built: number[] = [];
  const big = Array.from({ length: 100 }, () => legacy).join('');
  const docs = new DocumentIndexes({ sliceLines: 50, debounceMs: 1, onIndexed: (_i, v) => built.push(v) });
  docs.update('u', 1, big, true);
  await new Promise((r) => setImmediate(r));
  docs.update('u', 2, legacy);
  assert.equal((await docs.get('u'))?.lineCount, 18);
  assert.deepEqual(built, [2]);
  docs.update('u', 3, legacy);
  const pending = docs.get('u');
  docs.close('u');
  assert.equal(await pending, undefined);
  assert.equal(await docs.get('u'), undefined);
});

test('a slice also ends on its time budget: with no time to spare, every few hundred lines yield', async () => {
  const big = Array.from({ length: 100 }, () => legacy).join('');
  const reports: number[] = [];
  // a line budget that would take the whole document in one slice; the time budget cuts it
  const docs = new DocumentIndexes({
    sliceLines: 1e9,
    sliceMs: 0,
    progressLines: 100,
    progress: async () => ({ report: (p) => reports.push(p), done: () => undefined }),
  });
  docs.update('big', 1, big, true);
  const index = await docs.get('big');
  assert.equal(index?.lineCount, 1800);
  // 1800 lines in slices of 128: a report after each slice but the last
  assert.equal(reports.length, Math.ceil(1800 / 128) - 1, String(reports));
});

test('reconfigure() and rebuild() index the same text again, from the index when the text was dropped', async () => {
  const built: number[] = [];
  const docs = new DocumentIndexes({ onIndexed: (i) => built.push(i.lineCount) });
  docs.update('u', 1, legacy + 'vhost_vdpa_dma_map lab line\r\n', true);
  const first = await docs.get('u');
  docs.rebuild('u');
  const second = await docs.get('u');
  assert.notEqual(second, first);
  assert.equal(second?.lineText(18), 'vhost_vdpa_dma_map lab line');
  assert.deepEqual(second?.engine.diagnostics(), first?.engine.diagnostics());
  assert.deepEqual(built, [19, 19]);
});
