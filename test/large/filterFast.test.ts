// The filter's fast path (byte patterns, then only the lines they hit are decoded) gives exactly
// the lines of the exact path (every line decoded and checked), on generated traces, every
// fixture, and files of every odd shape (CRLF, BOM, lines over the reader limit, lines longer
// than a read chunk, no final newline), for criteria taken from what the files print.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LargeTrace } from '../../src/large/largeTrace.js';
import { parseCriteria, scanFilterExact } from '../../src/large/filter.js';
import { planFilter } from '../../src/large/filterPlan.js';
import { catalogFor } from '../../src/trace/analyze.js';
import type { FilterCriteria } from '../../src/shared/protocol/largeTrace.js';
import { prng } from '../../src/shared/prng.js';
import { generateLargeTrace } from '../../bench/largeTraceGen.js';
import { generateRealisticTrace } from '../../bench/genMixTrace.js';
import { samplePath, tempDir } from './helpers.js';

const FIXED: FilterCriteria[] = [
  { family: 'vtd_inv' },
  { family: 'vhost_vdpa_dma' },
  { family: 'virtqueue_' },
  { family: 'nonexistent_event' },
  { device: '00:02.0' },
  { device: '00:03.0' },
  { device: '00:1f.0' },
  { device: '0x55d2c1a4e2b0' },
  { device: '0x7ff8a0c2e140' },
  { device: '0x5624944821d0' },
  { asid: 0 },
  { asid: 1 },
  { space: 'giova', start: '0xffff0000', last: '0xffff0fff' },
  { space: 'giova', start: '0xfff00000', last: '0xffffffff', family: 'vtd_dmar' },
  { space: 'iova', start: '0x1000', last: '0x1fff', asid: 0 },
  { space: 'hva', start: '0x7f7983e00000', last: '0x7f7a00000000' },
  { space: 'gpa', start: '0x200000000', last: '0x20fffffff', device: '0x55d2c1a4e2b0' },
  { start: '0x0', last: '0xffffffffffffffff' },
  { start: '0x1000' },
];

/** Criteria from the file's own text: addresses and pointers it prints, as points and ranges, in each space. */
function criteriaFrom(text: string, seed: number, count: number): FilterCriteria[] {
  const rand = prng(seed);
  const hexes = [...new Set(text.match(/0x[0-9a-f]{3,16}/g) ?? [])];
  if (hexes.length === 0) return [];
  const spaces = [undefined, 'gpa', 'hva', 'iova', 'giova'] as const;
  const out: FilterCriteria[] = [];
  for (let i = 0; i < count; i++) {
    const v = BigInt(hexes[Math.floor(rand() * hexes.length)]);
    const space = spaces[Math.floor(rand() * spaces.length)];
    const width = [0n, 0xfffn, 0xffffn, 0x10_0000n][Math.floor(rand() * 4)];
    const start = v > width ? v - width : 0n;
    const last = v + width > 0xffff_ffff_ffff_ffffn ? 0xffff_ffff_ffff_ffffn : v + width;
    const c: FilterCriteria = { start: '0x' + start.toString(16), last: '0x' + last.toString(16) };
    if (space) c.space = space;
    if (rand() < 0.3) c.device = '0x' + v.toString(16);
    out.push(c);
    if (rand() < 0.3) out.push({ device: '0x' + v.toString(16) });
  }
  return out;
}

async function compare(path: string, criteria: FilterCriteria[], opts: { stride?: number; chunkBytes?: number } = {}): Promise<number> {
  const { catalog } = await catalogFor(undefined);
  const t = await LargeTrace.openIndex(path, { stride: opts.stride });
  let matched = 0;
  try {
    // while the replay runs (bytes only), then once it is done (what the replay noted: devices, range zones)
    for (const phase of ['replaying', 'replayed']) {
      if (phase === 'replayed') await t.replayDone();
      for (const c of criteria) {
        if (phase === 'replayed' && c.device === undefined && c.start === undefined) continue;
        const parsed = parseCriteria(c);
        const want = await scanFilterExact(path, catalog, parsed);
        const got = await t.filter(c, { chunkBytes: opts.chunkBytes });
        assert.deepEqual(got.lines, want.lines, `${path}: filter ${JSON.stringify(c)} ${phase} (fast path ${planFilter(parsed, catalog) ? 'used' : 'not used'})`);
        assert.equal(got.truncated, false);
        if (want.lines.length > 0) {
          if (phase === 'replaying') matched++;
          // a limit keeps the first matches and says where it stopped, as the exact path does
          const limit = Math.max(1, Math.floor(want.lines.length / 2));
          const cut = await t.filter(c, { limit, chunkBytes: opts.chunkBytes });
          const wantCut = await scanFilterExact(path, catalog, parsed, { limit });
          assert.deepEqual([cut.lines, cut.truncated, cut.scanned], [wantCut.lines, wantCut.truncated, wantCut.scanned], `limit ${limit}: ${JSON.stringify(c)} ${phase}`);
        }
      }
    }
  } finally {
    await t.close();
  }
  return matched;
}

test('generated vDPA + VT-d trace: fast and exact paths agree for fixed and file-derived criteria', async () => {
  const tmp = tempDir();
  try {
    const g = generateLargeTrace(join(tmp.dir, 'gen.log'), 2_000_000, 9, { faultEvery: 200 });
    const text = readFileSync(g.path, 'utf8');
    const matched = await compare(g.path, [...FIXED, ...criteriaFrom(text, 1, 40)]);
    assert.ok(matched >= 25, `only ${matched} criteria matched anything`);
  } finally {
    tmp.remove();
  }
});

test('realistic mix (maps kept live, VT-d heavy): fast and exact paths agree', async () => {
  const tmp = tempDir();
  try {
    const g = generateRealisticTrace(join(tmp.dir, 'mix.log'), 20_000, 3, 500);
    const matched = await compare(g.path, [...FIXED, ...criteriaFrom(readFileSync(g.path, 'utf8'), 2, 30)], { stride: 7 });
    assert.ok(matched >= 15, `only ${matched} criteria matched anything`);
  } finally {
    tmp.remove();
  }
});

test('every fixture and sample: fast and exact paths agree', async () => {
  const dirs = [join(process.cwd(), 'test', 'fixtures', 'traces'), join(process.cwd(), '..', 'shared', 'fixtures', 'scenarios')];
  const files = [samplePath('qemu-7.2-vtd-net/trace.log'), samplePath('vdpa-lab-qemu-7.2-svq/trace.log'), samplePath('aliased-unmap-svq-legacy.log')];
  for (const d of dirs) for (const f of readdirSync(d)) if (f.endsWith('.log')) files.push(join(d, f));
  assert.ok(files.length >= 20, `${files.length} files`);
  for (const [i, f] of files.entries()) await compare(f, [...FIXED, ...criteriaFrom(readFileSync(f, 'utf8'), 10 + i, 8)], { stride: 1 + (i % 5) });
});

test('odd shapes: CRLF, BOM, over-long lines, lines longer than a read chunk, no final newline', async () => {
  const tmp = tempDir();
  try {
    const g = generateLargeTrace(join(tmp.dir, 'gen.log'), 300_000, 5, { faultEvery: 50 });
    const lines = readFileSync(g.path, 'utf8').split('\n').slice(0, -1);
    const over = '4242@1700000000.100000:vtd_dmar_translate dev 00:02.00 iova 0xffff0000 -> gpa 0x1000 mask 0xfff ' + 'z'.repeat(1_100_000);
    const long = '4242@1700000000.100000:vtd_dmar_translate dev 00:02.00 iova 0xffff0000 -> gpa 0x1000 mask 0xfff';
    // a string argument printing a BDF names that device too (the device column does not note it)
    const named = [
      '4242@1700000000.100001:vhost_vdpa_listener_region_add_unaligned vdpa: 0x55d2c1a4e2b0 region 00:02.0 offset_within_address_space 1 offset_within_region 2',
      '4242@1700000000.100002:virtio_iommu_notify_flag_add add notifier to mr 00:02.0',
    ];
    const mixed = [...lines.slice(0, 500), over, ...named, ...lines.slice(500, 900), 'x'.repeat(70_000), long, ...lines.slice(900, 1500), over, over, ...named, ...lines.slice(1500)];
    const shapes: Record<string, string> = {
      crlf: mixed.join('\r\n') + '\r\n',
      bom: '\uFEFF' + mixed.join('\n') + '\n',
      'bom, event on line 1': '\uFEFF' + long + '\n' + lines.slice(0, 300).join('\n'),
      'no final newline': mixed.join('\n'),
      'ends in an over-long line': lines.slice(0, 200).join('\n') + '\n' + over,
    };
    const criteria = [...FIXED, ...criteriaFrom(lines.join('\n'), 7, 12)];
    for (const [name, text] of Object.entries(shapes)) {
      const path = tmp.file(`${name.replace(/\W+/g, '-')}.log`, text);
      for (const [stride, chunkBytes] of [[128, 4096], [3, 65536], [1, undefined]] as const) {
        await compare(path, criteria, { stride, chunkBytes });
      }
    }
  } finally {
    tmp.remove();
  }
});

test('the plan narrows what is decoded: event names for device, ASID and address filters, the hex text of a range', async () => {
  const { catalog } = await catalogFor(undefined);
  const asid = planFilter(parseCriteria({ asid: 0 }), catalog)!;
  assert.ok(asid.names?.has('vhost_vdpa_dma_map') && asid.names.has('vhost_vdpa_dma_unmap') && !asid.names.has('vtd_dmar_translate'));
  // a BDF is never a pointer: events that name devices only by pointer are left out
  const bdf = planFilter(parseCriteria({ device: '00:02.0' }), catalog)!;
  assert.ok(bdf.names?.has('vtd_dmar_translate') && !bdf.names.has('vhost_vdpa_dma_map') && !bdf.names.has('virtqueue_pop'));
  // a pointer: every event that can name it prints it in hex, so its text is what is searched for
  const ptr = planFilter(parseCriteria({ device: '0x55d2c1a4e2b0' }), catalog)!;
  assert.deepEqual(ptr.anyHit?.map(String), ['55d2c1a4e2b0']);
  // a page of guest IOVA: a page hit prints its address, a translation a masked range (no needle)
  const range = planFilter(parseCriteria({ space: 'giova', start: '0xffff0000', last: '0xffff0fff' }), catalog)!;
  assert.deepEqual(range.names?.get('vtd_iotlb_page_hit')?.map(String), ['ffff0']);
  assert.equal(range.names?.get('vtd_dmar_translate'), undefined);
  assert.ok(range.names?.has('vtd_dmar_translate'));
  assert.equal(planFilter(parseCriteria({}), catalog), undefined);
});
