// The lab's core records and the trace cut they ask for, on the committed real run of QEMU 7.2
// with SVQ (test/fixtures/vdpa-lab/qemu72-svq-on): which line a core sits after, which tree
// events make the moment ambiguous, and the model's tree the replay holds at a cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { traceLines } from './groundTruth.js';
import { momentOf, parseCores, traceUpTo } from './qemuCores.js';
import { analyzeTraceText } from '../../src/trace/analyze.js';
import { dumpAsInternal } from '../../src/model/vhostIovaCheck.js';

const trace = readFileSync('test/fixtures/vdpa-lab/qemu72-svq-on/trace.log', 'utf8');
const lines = traceLines(trace);
const us = (line: number): bigint => lines.find((l) => l.line === line)!.timeUs;

test('cores.txt: one record per core; a line that does not read is an error naming it', () => {
  assert.deepEqual(parseCores('alias-open core-alias-open.zst 100 200 7 7 ok\n\n'), [{ name: 'alias-open', file: 'core-alias-open.zst', stopUs: 100n, resumeUs: 200n, status: 'ok' }]);
  assert.throws(() => parseCores('alias-open core.zst soon 200 7 7 ok'), /cores\.txt: cannot read "alias-open core\.zst soon 200 7 7 ok"/);
});

test('a core is cut after the last line stamped before gdb attached; tree events inside the stop are further candidates', () => {
  const commit = lines.find((l) => l.name === 'vhost_vdpa_listener_commit')!;
  const quiet = momentOf({ name: 'a', file: 'a', stopUs: commit.timeUs + 1n, resumeUs: commit.timeUs + 2n, status: 'ok' }, lines);
  assert.deepEqual(quiet, { before: commit.line, cuts: [commit.line], during: [] });
  // a window from just before the first dma_map to just after the one after it
  const maps = lines.filter((l) => l.name === 'vhost_vdpa_dma_map');
  const busy = momentOf({ name: 'b', file: 'b', stopUs: maps[0]!.timeUs, resumeUs: maps[1]!.timeUs, status: 'ok' }, lines);
  assert.equal(busy.before, lines[lines.findIndex((l) => l.line === maps[0]!.line) - 1]!.line);
  assert.ok(busy.during.some((l) => l.line === maps[0]!.line) && busy.during.some((l) => l.line === maps[1]!.line));
  assert.deepEqual(busy.cuts, [busy.before, ...busy.during.map((l) => l.line)]);
  assert.ok(us(busy.before) < maps[0]!.timeUs);
});

test("the replay cut at the first listener commit holds, in QEMU 7.2's legacy tree, exactly the IOVAs the trace mapped by then", () => {
  const commit = lines.find((l) => l.name === 'vhost_vdpa_listener_commit')!;
  const text = traceUpTo(trace, commit.line);
  assert.equal(text.split('\n').length - 1, commit.line);
  const trees = analyzeTraceText(text).svqIovaTrees();
  const legacy = trees.find((t) => t.layout === 'legacy')!;
  assert.ok(legacy.consistent);
  const mapped = lines
    .filter((l) => l.line <= commit.line && l.name === 'vhost_vdpa_dma_map')
    .map((l) => {
      const iova = BigInt(/iova: (0x[0-9a-f]+)/.exec(l.text)![1]!);
      return `${iova.toString(16)}-${(iova + BigInt(/size: (0x[0-9a-f]+)/.exec(l.text)![1]!) - 1n).toString(16)}`;
    });
  assert.ok(mapped.length >= 5);
  assert.deepEqual(
    dumpAsInternal(legacy.tree).maps.map((m) => `${m.iova.toString(16)}-${m.last.toString(16)}`),
    mapped.sort((a, b) => (BigInt('0x' + a.split('-')[0]) < BigInt('0x' + b.split('-')[0]) ? -1 : 1)),
  );
});
