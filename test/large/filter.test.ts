// Filter to matches: each criterion (address range in a space, event family, device, ASID) and
// their combinations give exactly the lines a brute-force check of every line gives, and the
// lines the language server's filter gives on the same text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LargeTrace } from '../../src/large/largeTrace.js';
import { buildTraceIndex, type TraceIndex } from '../../src/server/traceIndex.js';
import { filterLines } from '../../src/server/requests.js';
import { EVENT_SPACES } from '../../src/server/fieldSpaces.js';
import type { FilterCriteria } from '../../src/server/protocol.js';
import { generateLargeTrace } from '../../bench/largeTraceGen.js';
import { samplePath, tempDir } from './helpers.js';

/** The obvious way: look at every line and test every criterion on it. */
function bruteForce(index: TraceIndex, c: FilterCriteria): number[] {
  const out: number[] = [];
  for (let l = 0; l < index.lineCount; l++) {
    const rec = index.recordAt(l);
    if (rec?.kind !== 'event') continue;
    if (c.family && !rec.name.startsWith(c.family)) continue;
    if (c.asid !== undefined && index.contextOf(l).asid !== c.asid) continue;
    if (c.device) {
      const f = rec.fields ?? {};
      const names = new Set<string>();
      const d = EVENT_SPACES[rec.name]?.device?.(f);
      if (d) names.add(d);
      for (const a of rec.def?.args ?? []) {
        const v = f[a.name];
        if (a.type.includes('*') && (typeof v === 'bigint' || typeof v === 'number')) names.add('0x' + v.toString(16));
      }
      if (!names.has(c.device)) continue;
    }
    if (c.start !== undefined) {
      const start = BigInt(c.start);
      const last = BigInt(c.last ?? c.start);
      if (!index.fields(l).some((x) => x.address && (c.space === undefined || x.address.space === c.space) && x.address.start <= last && x.address.last >= start)) continue;
    }
    out.push(l + 1);
  }
  return out;
}

const criteria: FilterCriteria[] = [
  {},
  { family: 'vtd_inv' },
  { family: 'vhost_vdpa_dma' },
  { family: 'virtqueue_' },
  { device: '00:02.0' },
  { device: '0x55d2c1a4e2b0' },
  { device: '0x7ff8a0c2e140' },
  { asid: 0 },
  { asid: 1 },
  { space: 'giova', start: '0xffffd000', last: '0xffffdfff' },
  { space: 'giova', start: '0xfff00000', last: '0xffffffff', family: 'vtd_dmar' },
  { space: 'gpa', start: '0x14782000' },
  { space: 'iova', start: '0x1000', last: '0x1fff', asid: 0 },
  { space: 'hva', start: '0x7f7983e00000', last: '0x7f7a00000000' },
  { space: 'gpa', start: '0x200000000', last: '0x20fffffff', device: '0x55d2c1a4e2b0' },
  // a bare address: any space
  { start: '0x1000' },
  { start: '0x14782000', last: '0x14782fff' },
  // inside a region_add's section, past its first byte
  { space: 'hva', start: '0x7f7903e01000' },
];

async function check(path: string): Promise<void> {
  const text = readFileSync(path, 'utf8');
  const index = buildTraceIndex('file://' + path, text);
  const large = await LargeTrace.open(path);
  try {
    let nonEmpty = 0;
    for (const c of criteria) {
      const got = await large.filter(c);
      const want = bruteForce(index, c);
      assert.deepEqual(got.lines, want, `filter ${JSON.stringify(c)}`);
      assert.deepEqual(got.lines, filterLines(index, c).lines, `server filter ${JSON.stringify(c)}`);
      assert.equal(got.truncated, false);
      if (want.length > 0 && want.length < index.lineCount) nonEmpty++;
    }
    // most criteria select a real part of the file, not nothing and not everything
    assert.ok(nonEmpty >= 6, `only ${nonEmpty} criteria matched a proper subset`);
  } finally {
    await large.close();
  }
}

test('VT-d sample: every criterion as brute force and the language server filter', () => check(samplePath('qemu-7.2-vtd-net/trace.log')));

test('generated vDPA + VT-d trace: every criterion as brute force and the language server filter', async () => {
  const tmp = tempDir();
  try {
    const g = generateLargeTrace(tmp.dir + '/gen.log', 1_500_000, 3);
    assert.ok(g.lines > 10000);
    await check(g.path);
  } finally {
    tmp.remove();
  }
});

test('a limit truncates (first matches kept, flagged); progress climbs to 1; abort stops the scan', async () => {
  const large = await LargeTrace.open(samplePath('qemu-7.2-vtd-net/trace.log'));
  try {
    const all = await large.filter({ family: 'vtd_' });
    const progress: number[] = [];
    const few = await large.filter({ family: 'vtd_' }, { limit: 5, chunkBytes: 4096 });
    assert.deepEqual(few.lines, all.lines.slice(0, 5));
    assert.equal(few.truncated, true);
    await large.filter({ family: 'vtd_' }, { chunkBytes: 4096, onProgress: (b, t) => progress.push(b / t) });
    assert.ok(progress.length > 10 && progress.every((p, i) => i === 0 || p > progress[i - 1]) && progress.at(-1) === 1, String(progress));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(large.filter({ family: 'vtd_' }, { signal: ac.signal }), { name: 'AbortError' });
  } finally {
    await large.close();
  }
});

test('bad criteria are refused with what is wrong', async () => {
  const large = await LargeTrace.open(samplePath('aliased-unmap-svq-legacy.log'));
  try {
    await assert.rejects(large.filter({ space: 'iova' }), /an address filter in iova needs a start address/);
    await assert.rejects(large.filter({ space: 'iova', start: '0x2000', last: '0x1000' }), /filter range \[0x2000, 0x1000\] ends before it starts/);
    await assert.rejects(large.filter({ space: 'iova', start: 'banana' }), /filter start "banana" is not a 64-bit address/);
    await assert.rejects(large.filter({ space: 'iova', start: '0x10000000000000000' }), /larger than 2\^64-1/);
    await assert.rejects(large.filter({ space: 'mmio' as never, start: '0x0' }), /space must be gpa, hva, iova or giova .* got "mmio"/);
    await assert.rejects(large.filter({ asid: -1 }), /ASID must be a non-negative integer/);
    // the full 64-bit range is fine and matches every line with an IOVA field (get_iova_range has two)
    const full = await large.filter({ space: 'iova', start: '0x0', last: '0xffffffffffffffff' });
    assert.deepEqual(full.lines, [2, 5, 9, 13, 17]);
  } finally {
    await large.close();
  }
});
