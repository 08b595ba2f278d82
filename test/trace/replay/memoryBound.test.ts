// Memory per mapping record: a long trace (the large-trace viewer replays gigabytes) keeps every
// mapping the trace ever made, so what one record costs decides whether a 1 GB trace fits.
// Measured in a child process (node --expose-gc, memoryProbe.ts) as the growth of the JS heap
// plus typed-array stores between a replay of 10 000 and one of 100 000 DMA bursts (one
// translated page and one invalidation each, a vDPA section and its map every 16th burst).
// Measured on this design: about 170 bytes per record (an 88-byte record object, 24 bytes of
// address columns, the record's and its removal's slot in the logs, ~33 bytes of invalidation
// log per page). Records stored whole (three BigInts, an owner text, a removal text) took about
// 550–620. The bound is twice the measured value: far from noise, far below the old design.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ReplayContext, defaultReplayOptions } from '../../../src/trace/replay/context.js';
import { handlers } from '../../../src/trace/replay/handlers.js';

const BYTES_PER_RECORD_BOUND = 350;
const SHORT = 10_000;
const LONG = 100_000;

test(`a replay keeps under ${BYTES_PER_RECORD_BOUND} bytes per mapping record (translations, invalidations, vDPA maps)`, { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/trace/replay/memoryProbe.ts', String(SHORT), String(LONG)], { encoding: 'utf8', timeout: 110_000 });
  assert.equal(r.status, 0, `memory probe failed: ${r.stderr || r.error?.message}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    records: number;
    recordsShort: number;
    bytesPerRecord: number;
    firstPage?: { start: string; target: string; removedLine: number; removedBy: string };
    liveAtEnd: number;
    diagnostics: number;
  };
  // one page per burst, plus a section and its map every 16th burst
  const expected = (n: number) => n + 2 * Math.ceil(n / 16);
  assert.equal(out.records, expected(LONG));
  assert.equal(out.recordsShort, expected(SHORT));
  // the probe's trace is consistent: everything mapped is unmapped, nothing to report
  assert.equal(out.liveAtEnd, 0);
  assert.equal(out.diagnostics, 0);
  // the texts still read right after the measurement (page 0xffff0000 of burst 0, lines 3..5)
  assert.deepEqual(out.firstPage, { start: 'ffff0000', target: '14000000', removedLine: 5, removedBy: 'page-selective invalidation of domain 0x4 [0xffff0000, 0xffff0fff]' });
  assert.ok(out.bytesPerRecord > 0, `the probe measured ${out.bytesPerRecord} bytes per record: it did not measure the replay`);
  assert.ok(out.bytesPerRecord < BYTES_PER_RECORD_BOUND, `${out.bytesPerRecord.toFixed(0)} bytes retained per mapping record (bound ${BYTES_PER_RECORD_BOUND})`);
});

/** region_add + dma_map + region_del + dma_unmap of `n` one-page sections; iova = gpa + shift. */
function sectionCycles(shift: bigint, n: number): ReplayContext {
  const ctx = new ReplayContext(defaultReplayOptions);
  const vdpa = '0x55d2c1a4e2b0';
  const apply = (name: string, fields: Record<string, bigint | number | boolean | string>) => {
    ctx.line++;
    handlers[name](ctx, name, fields);
  };
  for (let i = 0n; i < BigInt(n); i++) {
    const gpa = 0x200000000n + i * 0x2000n;
    const hva = 0x7f0000000000n + i * 0x2000n;
    apply('vhost_vdpa_listener_region_add', { vdpa, iova: gpa, llend: gpa + 0x1000n, vaddr: hva, readonly: false });
    apply('vhost_vdpa_dma_map', { vdpa, fd: 16, asid: 0, iova: gpa + shift, size: 0x1000n, uaddr: hva, perm: 3 });
    apply('vhost_vdpa_listener_region_del', { vdpa, iova: gpa, llend: gpa + 0xfffn });
    apply('vhost_vdpa_dma_unmap', { vdpa, fd: 16, asid: 0, iova: gpa + shift, size: 0x1000n });
  }
  return ctx;
}

test('without SVQ the IOVA allocator predictions are dropped (nothing reads them; their trees only grew)', () => {
  const plain = sectionCycles(0n, 200);
  const dev = plain.vdpa.get('0x55d2c1a4e2b0')!;
  assert.equal(dev.svq, false, 'iova == gpa: no shadow virtqueue');
  assert.equal(dev.predictors.length, 0);
  assert.equal(plain.diags.sorted().length, 0);
  assert.equal(plain.timeline.records.length, 400, 'every section and map is still recorded');
  // with SVQ QEMU allocates the IOVAs, and the predictions are what the replay checks them against
  const svq = sectionCycles(0x1000n - 0x200000000n, 3).vdpa.get('0x55d2c1a4e2b0')!;
  assert.equal(svq.svq, true);
  assert.equal(svq.predictors.length, 2, 'one predictor per VhostIOVATree layout');
});
