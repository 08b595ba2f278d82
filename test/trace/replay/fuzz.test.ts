// Robustness: whatever bytes a trace holds, analyzeTraceText / analyzeTraceFile return (never
// throw), count every line exactly, and keep their diagnostics well-formed. Inputs are random
// bytes, real trace lines mutated the ways logs really get damaged (cut, digits flipped, fields
// dropped, numbers past 2^64, signs), real traces shuffled, and one 5 MiB line.
// Seeded: set IOVA_FUZZ_SEED to replay a failure; the seed is in every failure message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeTraceFile, analyzeTraceText } from '../../../src/trace/analyze.js';
import type { TraceEngine } from '../../../src/trace/replay/engine.js';
import { fixture, sample } from './fixtures.js';
import { prng } from '../../../src/shared/prng.js';

const SEED = Number(process.env.IOVA_FUZZ_SEED ?? 0x5eed2026) >>> 0;

const CODES = new Set(['aliased-unmap', 'unmap-unmapped', 'map-overlap', 'partial-unmap', 'iova-out-of-range', 'iova-divergence', 'map-failed', 'dma-fault', 'reset-lost-maps', 'leak-at-end', 'parse-error', 'internal-error', 'notifier-range', 'impossible-value', 'map-over-orphan', 'qemu-log']);

/** Lines as the splitter sees them: LF ends a line, a last line without LF still counts. */
function expectedLines(bytes: Buffer): number {
  const b = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  let n = 0;
  for (const c of b) if (c === 10) n++;
  return b.length > 0 && b[b.length - 1] !== 10 ? n + 1 : n;
}

function checkEngine(engine: TraceEngine, lines: number, what: string): void {
  const s = engine.summary();
  assert.equal(s.lines, lines, `${what}: line count (seed ${SEED})`);
  assert.ok(s.events <= lines && s.malformed <= s.events && s.unknownEvents <= s.events, `${what}: counts (seed ${SEED})`);
  for (const d of engine.diagnostics()) {
    const where = `${what}: ${d.code} at line ${d.line} (seed ${SEED})`;
    assert.ok(CODES.has(d.code), where);
    assert.ok(['error', 'warning', 'info'].includes(d.severity), where);
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines, where);
    assert.ok(typeof d.message === 'string' && d.message.length > 0, where);
    assert.doesNotMatch(d.message, /internal error/, `${where}: a handler threw: ${d.message}`);
    for (const r of d.related) assert.ok(Number.isInteger(r.line) && r.line >= 1 && r.line <= lines, `${where}: related line ${r.line}`);
  }
}

function runText(text: string, what: string): TraceEngine {
  let engine: TraceEngine;
  try {
    engine = analyzeTraceText(text);
  } catch (e) {
    throw new Error(`${what}: analyzeTraceText threw (seed ${SEED}): ${(e as Error).stack}`);
  }
  checkEngine(engine, expectedLines(Buffer.from(text, 'utf8')), what);
  return engine;
}

function corpus(): string[][] {
  const files = readdirSync(fixture('.')).filter((f) => f.endsWith('.log')).map((f) => fixture(f));
  files.push(sample('aliased-unmap-svq-legacy.log'), sample('aliased-unmap-svq-fixed.log'));
  const traces = files.map((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== ''));
  traces.push(readFileSync(sample('qemu-7.2-vtd-net/trace.log'), 'utf8').split('\n').slice(0, 1500));
  return traces;
}

function mutate(line: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const numbers = [...line.matchAll(/0x[0-9a-f]+|\b\d+\b/g)];
  const num = numbers.length ? pick(numbers) : undefined;
  const splice = (at: number, len: number, by: string) => line.slice(0, at) + by + line.slice(at + len);
  switch (Math.floor(rnd() * 9)) {
    case 0: // cut anywhere (a log truncated by a crash or a full disk)
      return line.slice(0, Math.floor(rnd() * line.length));
    case 1: {
      // flip one digit
      const digits = [...line.matchAll(/[0-9a-f]/g)];
      if (!digits.length) return line;
      const d = pick(digits);
      return splice(d.index!, 1, pick('0123456789abcdefg-x '.split('')));
    }
    case 2: {
      // drop one field (token)
      const toks = line.split(' ');
      toks.splice(Math.floor(rnd() * toks.length), 1);
      return toks.join(' ');
    }
    case 3: // a number past 2^64
      return num ? splice(num.index!, num[0].length, pick(['0x1ffffffffffffffff', '0x10000000000000000', '184467440737095516160', '0x' + 'f'.repeat(40)])) : line;
    case 4: // negative-looking
      return num ? splice(num.index!, num[0].length, pick(['-1', '-0x1000', '0x-1', '-9223372036854775808', '4294967295'])) : line;
    case 5: // junk bytes in the middle
      return splice(Math.floor(rnd() * line.length), 0, pick(['\0', '\t', '%s%n', '\u00e9\u{1f600}', '\r', '\\', ':', '@', '0x']));
    case 6: // an empty value
      return num ? splice(num.index!, num[0].length, '') : line;
    case 7: // the event name alone
      return line.split(' ')[0];
    default:
      return line;
  }
}

test(`fuzz: mutated real lines never make the engine throw; line counts exact (seed ${SEED})`, () => {
  const rnd = prng(SEED);
  const traces = corpus();
  const all = traces.flat();
  for (let round = 0; round < 120; round++) {
    const base = traces[Math.floor(rnd() * traces.length)];
    const out: string[] = [];
    for (const l of base.slice(0, 300)) {
      out.push(rnd() < 0.35 ? mutate(l, rnd) : l);
      if (rnd() < 0.05) out.push(all[Math.floor(rnd() * all.length)]);
    }
    const text = out.join(rnd() < 0.2 ? '\r\n' : '\n') + (rnd() < 0.5 ? '\n' : '');
    runText(text, `mutation round ${round}`);
  }
});

test(`fuzz: real traces with their lines shuffled (seed ${SEED})`, () => {
  const rnd = prng(SEED ^ 0x9e3779b9);
  const traces = corpus();
  traces.push(readFileSync(sample('qemu-7.2-vtd-net/trace.log'), 'utf8').split('\n').filter((l) => l !== ''));
  for (let round = 0; round < 3; round++) {
    for (const [i, t] of traces.entries()) {
      const lines = [...t];
      for (let k = lines.length - 1; k > 0; k--) {
        const j = Math.floor(rnd() * (k + 1));
        [lines[k], lines[j]] = [lines[j], lines[k]];
      }
      runText(lines.join('\n') + '\n', `shuffle round ${round} trace ${i}`);
    }
  }
});

test(`fuzz: random bytes through analyzeTraceFile (invalid UTF-8, NULs, CRs) (seed ${SEED})`, async () => {
  const rnd = prng(SEED ^ 0x51ed);
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-fuzz-'));
  for (let round = 0; round < 40; round++) {
    const len = Math.floor(rnd() * 20000);
    const bytes = Buffer.alloc(len);
    // mostly printable with line breaks, sometimes anything
    const wild = rnd() < 0.3;
    for (let i = 0; i < len; i++) bytes[i] = wild ? Math.floor(rnd() * 256) : rnd() < 0.02 ? 10 : 32 + Math.floor(rnd() * 95);
    const path = join(dir, `r${round}.log`);
    writeFileSync(path, bytes);
    const { engine } = await analyzeTraceFile(path).catch((e: Error) => {
      throw new Error(`round ${round}: analyzeTraceFile threw (seed ${SEED}): ${e.stack}`);
    });
    checkEngine(engine, expectedLines(bytes), `random bytes round ${round}`);
  }
});

test('fuzz: a 5 MiB line among real lines is one line; the lines after it keep their numbers', async () => {
  const legacy = readFileSync(sample('aliased-unmap-svq-legacy.log'), 'utf8').split('\n').filter((l) => l !== '');
  const huge = legacy[4] + ' ' + 'A'.repeat(5 * 1024 * 1024);
  const text = [...legacy.slice(0, 10), huge, ...legacy.slice(10)].join('\n') + '\n';
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-fuzz-'));
  const path = join(dir, 'huge.log');
  writeFileSync(path, text);
  for (const engine of [(await analyzeTraceFile(path)).engine, runText(text, '5 MiB line')]) {
    checkEngine(engine, 19, '5 MiB line');
    // the aliased unmap moved one line down: line 17 became 18
    assert.ok(engine.diagnostics().some((d) => d.code === 'aliased-unmap' && d.line === 18));
  }
});

test(`fuzz: well-formed events with edge-case numbers (0, 2^63, 2^64-1, page edges) (seed ${SEED})`, () => {
  const rnd = prng(SEED ^ 0xed6e);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const edges = [0n, 1n, 0xfffn, 0x1000n, 0x7fffffffn, 0x80000000n, 0xfffffffffn, 1n << 63n, (1n << 64n) - 0x1000n, (1n << 64n) - 1n];
  const num = () => (rnd() < 0.6 ? pick(edges) : BigInt(Math.floor(rnd() * 0x100000)) * 0x1000n);
  const h = (x: bigint) => '0x' + x.toString(16);
  const S = '0x5581a3c4e2b0';
  const D = '0x5581a3d0a650';
  const events = [
    () => `vhost_vdpa_init dev: ${D}, common dev: ${S} vdpa: 0x7f3c968d7190`,
    () => `vhost_vdpa_get_iova_range dev: ${D} first: ${h(num())} last: ${h(num())}`,
    () => `vhost_vdpa_listener_region_add vdpa: ${S} iova ${h(num())} llend ${h(num())} vaddr: ${h(num())} read-only: ${pick([0, 1])}`,
    () => `vhost_vdpa_listener_region_del vdpa: ${S} iova ${h(num())} llend ${h(num())}`,
    () => `vhost_vdpa_listener_begin_batch vdpa_shared:${S} fd: 16 msg_type: 2 type: 5`,
    () => `vhost_vdpa_listener_commit vdpa_shared:${S} fd: 16 msg_type: 2 type: 6`,
    () => `vhost_vdpa_dma_map vdpa_shared:${S} fd: 16 msg_type: 2 asid: ${pick([0, 1, 4294967295])} iova: ${h(num())} size: ${h(num())} uaddr: ${h(num())} perm: ${h(BigInt(pick([0, 1, 2, 3, 255])))} type: 2`,
    () => `vhost_vdpa_dma_unmap vdpa_shared:${S} fd: 16 msg_type: 2 asid: ${pick([0, 1])} iova: ${h(num())} size: ${h(num())} type: 3`,
    () => `vhost_vdpa_reset_device dev: ${D}`,
    () => `vhost_vdpa_add_status dev: ${D} status: ${h(BigInt(pick([0, 3, 4, 0xf, 0xff])))}`,
    () => `vhost_vdpa_set_vring_addr dev: ${D} index: ${pick([0, 1, 4294967295])} flags: 0x0 desc_user_addr: ${h(num())} used_user_addr: ${h(num())} avail_user_addr: ${h(num())} log_guest_addr: 0x0`,
    () => `vtd_dmar_translate dev 00:02.00 iova ${h(num())} -> gpa ${h(num())} mask ${h(pick([0xfffn, 0x1fffffn, (1n << 64n) - 1n, 0n]))}`,
    () => `vtd_iotlb_page_update IOTLB page update sid 0x10 iova ${h(num())} slpte 0x147a8001 domain 0x4`,
    () => `vtd_inv_desc_iotlb_pages iotlb invalidate domain 0x4 addr ${h(num())} mask ${h(BigInt(pick([0, 9, 18, 52, 63, 255])))}`,
    () => `vtd_inv_desc_iotlb_domain iotlb invalidate whole domain 0x4`,
    () => `vtd_page_walk_one domain 0x4 iova ${h(num())} -> gpa ${h(num())} mask ${h(pick([0xfffn, (1n << 64n) - 1n]))} perm ${pick([0, 1, 3])}`,
    () => `vtd_dmar_fault sid 0x10 fault ${pick([0, 6, 99])} addr ${h(num())} write ${pick([0, 1])}`,
    () => `virtio_iommu_map domain=1 virt_start=${h(num())} virt_end=${h(num())} phys_start=${h(num())} flags=${pick([0, 1, 3, 7])}`,
    () => `virtio_iommu_unmap domain=1 virt_start=${h(num())} virt_end=${h(num())}`,
    () => `virtio_iommu_attach domain=1 endpoint=8`,
    () => 'qemu-system-x86_64: failed to write, fd=16, errno=17 (File exists)',
  ];
  for (let round = 0; round < 60; round++) {
    const lines = Array.from({ length: 150 }, () => pick(events)());
    runText(lines.join('\n') + '\n', `edge round ${round}`);
  }
});
