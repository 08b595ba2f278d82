// The index is ready before the replay: lines and filters answer at once, a hover on a line the
// replay has not reached says "still indexing" with its progress, model requests wait for the
// replay to pass their line and then answer exactly what a fully replayed trace answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { LargeTrace } from '../../src/large/largeTrace.js';
import { generateLargeTrace } from '../../bench/largeTraceGen.js';
import { referenceLines, tempDir } from './helpers.js';

test('before the replay passes a line: lines and filters work, hover says how far it is, stateAt waits and matches', async () => {
  const tmp = tempDir();
  try {
    const g = generateLargeTrace(tmp.dir + '/t.log', 6_000_000, 4, { faultEvery: 300 });
    const want = referenceLines(readFileSync(g.path, 'utf8'));
    const full = await LargeTrace.open(g.path);
    const t = await LargeTrace.openIndex(g.path);
    try {
      assert.equal(t.lineCount, want.length);
      assert.equal(t.summary.replayed, false);
      assert.equal(t.replayProgress.done, false);
      // the last translation of the file: the replay is far from it
      const last = want.length - [...want].reverse().findIndex((x) => x.includes(':vtd_dmar_translate '));
      const col = want[last - 1].indexOf('iova 0x') + 5;
      const early = await t.hover(last, col);
      assert.equal(early?.pending, true);
      assert.match(early?.markdown ?? '', new RegExp(`^\\*\\*Still indexing\\*\\*: the replay has reached line [\\d,]+ of ${want.length.toLocaleString('en')} \\(\\d+%\\)`));
      assert.throws(() => t.diagnostics(), /still being replayed \(\d+%\); its diagnostics are known when the replay is done/);
      assert.deepEqual((await t.lines(last, 1))[0].text, want[last - 1]);
      assert.deepEqual((await t.filter({ family: 'vhost_vdpa_dma_unmap' })).lines, (await full.filter({ family: 'vhost_vdpa_dma_unmap' })).lines);
      // waits for the replay to pass the line, then the same state as the whole replay's
      assert.deepEqual(await t.stateAtWire(last), await full.stateAtWire(last));
      assert.ok(t.replayProgress.line >= last);
      // an early line once the replay passed it: the same hover, with a note until the end is replayed
      const first = want.findIndex((x) => x.includes(':vtd_dmar_translate ')) + 1;
      const firstCol = want[first - 1].indexOf('iova 0x') + 5;
      const mid = await t.hover(first, firstCol);
      const whole = await full.hover(first, firstCol);
      if (!t.replayProgress.done) assert.match(mid?.markdown ?? '', /_Replay at \d+%: diagnostics found at the end of the trace .* are not shown yet\._$/);
      assert.ok(mid?.markdown.startsWith(whole!.markdown), mid?.markdown);
      const summary = await t.replayDone();
      assert.equal(summary.replayed, true);
      assert.equal(summary.events, full.summary.events);
      assert.equal(summary.diagnostics, full.summary.diagnostics);
      assert.ok(summary.diagnostics >= 2, `planted faults: ${summary.diagnostics}`);
      assert.deepEqual(t.diagnostics(), full.diagnostics());
      assert.deepEqual(await t.hover(last, col), await full.hover(last, col));
      assert.deepEqual(await t.hover(first, firstCol), whole);
    } finally {
      await t.close();
      await full.close();
    }
  } finally {
    tmp.remove();
  }
});

test('closing while the replay runs stops it; waiting requests get an error that says so', async () => {
  const tmp = tempDir();
  try {
    const g = generateLargeTrace(tmp.dir + '/t.log', 3_000_000, 6);
    const t = await LargeTrace.openIndex(g.path);
    const waiting = assert.rejects(t.stateAtWire(t.lineCount), /t\.log was closed before its replay finished/);
    const done = assert.rejects(t.replayDone(), /was closed before its replay finished/);
    await t.close();
    await waiting;
    await done;
  } finally {
    tmp.remove();
  }
});

test('a file that changes during the replay: the replay fails with what changed, requests waiting on it too', async () => {
  const tmp = tempDir();
  try {
    const g = generateLargeTrace(tmp.dir + '/t.log', 3_000_000, 6);
    const t = await LargeTrace.openIndex(g.path);
    try {
      const waiting = assert.rejects(t.stateAtWire(t.lineCount), /changed on disk while it was being replayed/);
      appendFileSync(g.path, '4242@1700000999.000001:vtd_inv_qi_fetch \n');
      await assert.rejects(t.replayDone(), /t\.log changed on disk while it was being replayed \(indexed \d+ bytes, now \d+\); reopen it/);
      await waiting;
    } finally {
      await t.close();
    }
  } finally {
    tmp.remove();
  }
});
