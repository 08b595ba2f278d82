// `iova-lens check` and `iova-lens resolve` through runCli with in-memory streams: the JSON
// contract, exit codes (0 clean, 1 error diagnostics / unresolvable, 2 usage or unreadable input).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../../src/cli/runCli.js';
import { fixture, sample } from './fixtures.js';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, { stdin: Readable.from(['']), stdout: out.stream, stderr: err.stream, stderrIsTTY: false });
  return { code, out: out.text(), err: err.text() };
}

test('check --json on the legacy sample: the documented shape, the aliased-unmap error, exit 1', async () => {
  const r = await cli(['check', sample('aliased-unmap-svq-legacy.log'), '--json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j).sort(), ['by_event', 'diagnostics', 'events', 'lines', 'unknown_events']);
  assert.equal(j.lines, 18);
  assert.equal(j.events, 18);
  assert.equal(j.unknown_events, 0);
  assert.deepEqual(j.by_event, {
    vhost_vdpa_listener_begin_batch: 4,
    vhost_vdpa_listener_commit: 4,
    vhost_vdpa_dma_map: 3,
    vhost_vdpa_listener_region_add: 3,
    vhost_vdpa_dma_unmap: 1,
    vhost_vdpa_get_iova_range: 1,
    vhost_vdpa_init: 1,
    vhost_vdpa_listener_region_del: 1,
  });
  const d = j.diagnostics.find((x: { code: string }) => x.code === 'aliased-unmap');
  assert.deepEqual(Object.keys(d).sort(), ['code', 'headline', 'line', 'message', 'related', 'severity']);
  assert.equal(d.severity, 'error');
  assert.equal(d.headline, "Unmap removed another region's mapping: IOVA [0x1000, 0x20fff]");
  assert.equal(d.line, 17);
  for (const rel of d.related) {
    assert.deepEqual(Object.keys(rel).sort(), ['line', 'message']);
    assert.equal(typeof rel.line, 'number');
  }
});

test('check --json on the fixed sample: no diagnostics, exit 0', async () => {
  const r = await cli(['check', sample('aliased-unmap-svq-fixed.log'), '--json']);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out).diagnostics, []);
});

test('check --json: a parse error carries its column', async () => {
  const r = await cli(['check', fixture('parse-error.log'), '--json']);
  const [d] = JSON.parse(r.out).diagnostics;
  assert.equal(d.code, 'parse-error');
  assert.equal(d.line, 7);
  assert.equal(typeof d.column, 'number');
  assert.equal(r.code, 0, 'a parse error is a warning: the exit code stays 0');
});

test('check options reach the engine: --iotlb-persist and --qemu-layout change the verdict', async () => {
  assert.equal((await cli(['check', fixture('reset-lost-maps.log'), '--json'])).code, 1);
  const persist = await cli(['check', fixture('reset-lost-maps.log'), '--json', '--iotlb-persist']);
  assert.equal(persist.code, 0);
  assert.deepEqual(JSON.parse(persist.out).diagnostics, []);
  const current = await cli(['check', sample('aliased-unmap-svq-legacy.log'), '--json', '--qemu-layout', 'current']);
  assert.ok(JSON.parse(current.out).diagnostics.some((x: { code: string; line: number }) => x.code === 'iova-divergence' && x.line === 17));
});

test('check text output names file:line: severity [code]', async () => {
  const r = await cli(['check', fixture('dma-fault.log')]);
  assert.equal(r.code, 1);
  assert.match(r.out, /dma-fault\.log:11: error \[dma-fault\]/);
  assert.match(r.out, /dma-fault\.log:13: error \[dma-fault\]/);
});

test('check: a missing file and bad usage exit 2 with a message on stderr', async () => {
  const missing = await cli(['check', fixture('does-not-exist.log')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /does-not-exist\.log/);
  assert.match(missing.err, /ENOENT/);
  for (const args of [['check'], ['check', fixture('parse-error.log'), '--bogus'], ['check', fixture('parse-error.log'), '--qemu-layout', 'newest']]) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.notEqual(r.err, '');
  }
});

test('resolve --json: GPA 0xfedb0000 at line 14 of the legacy sample, hop by hop', async () => {
  const r = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', '--space', 'gpa', '0xfedb0000', '--json']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.line, 14);
  assert.ok(Array.isArray(j.alternatives));
  for (const h of j.hops) for (const k of ['space', 'addr', 'owner', 'created_line']) assert.ok(k in h, `hop has ${k}`);
  assert.deepEqual(j.hops.map((h: { space: string; addr: string; created_line: number | null }) => [h.space, h.addr, h.created_line]), [
    ['gpa', '0xfedb0000', null],
    ['hva', '0x7f7903eb0000', 11],
    ['iova', '0x2000011000', 13],
  ]);
});

test('resolve without --space: the first space where the address goes somewhere, IOVA first; nowhere names every space tried', async () => {
  const r = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', '0x2000011000', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.hops.map((h: { space: string; addr: string }) => [h.space, h.addr]), [
    ['iova', '0x2000011000'],
    ['hva', '0x7f7903eb0000'],
    ['gpa', '0xb0000'],
  ]);
  const none = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', '0xdead00000000']);
  assert.equal(none.code, 1);
  assert.match(none.out, /^as of line 14:\n {2}IOVA 0xdead00000000\n {2}0xdead00000000 is not mapped in any space \(IOVA, guest IOVA, GPA, HVA\) at line 14\n/);
});

test('resolve takes the address named by its space, as the memory view and the Resolve box write it', async () => {
  const opt = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', '--space', 'gpa', '0xfedb0000', '--json']);
  const named = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', 'gpa:0xfedb0000', '--json']);
  assert.equal(named.code, 0, named.err);
  assert.equal(named.out, opt.out);
  const clash = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', '--space', 'hva', 'gpa:0xfedb0000']);
  assert.equal(clash.code, 2);
  assert.match(clash.err, /ADDR names the gpa space but --space says hva/);
  const unknown = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '14', 'gva:0x1000']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown address space "gva"/);
});

test('resolve: an address mapped nowhere exits 1; a missing file or bad arguments exit 2', async () => {
  const none = await cli(['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '4', '--space', 'iova', '0x1000', '--json']);
  assert.equal(none.code, 1);
  assert.match(JSON.parse(none.out).error, /0x1000/);
  const bad: string[][] = [
    ['resolve', fixture('does-not-exist.log'), '--line', '3', '0x1000'],
    ['resolve', sample('aliased-unmap-svq-legacy.log'), '0x1000'],
    ['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '0', '0x1000'],
    ['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '99', '0x1000'],
    ['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '3', '0x10000000000000000'],
    ['resolve', sample('aliased-unmap-svq-legacy.log'), '--line', '3', '--space', 'gva', '0x1000'],
  ];
  for (const args of bad) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.slice(1).join(' '));
    assert.notEqual(r.err, '');
  }
});

test('check --qemu-log: QEMU\'s stderr merged by time explains the refused maps; an unreadable log is exit 2', async () => {
  const r = await cli(['check', fixture('siwei-orphan-svq-trace-only.log'), '--qemu-log', fixture('siwei-orphan-svq.qemu-stderr.log'), '--json']);
  assert.equal(r.code, 1);
  const d = JSON.parse(r.out).diagnostics as { code: string; line: number; message: string }[];
  assert.deepEqual(d.filter((x) => x.code === 'map-failed').map((x) => x.line), [21, 25]);
  assert.match(d.find((x) => x.code === 'qemu-log')?.message ?? '', /1 line\(s\) of the QEMU log .* have no -msg timestamp=on time/);
  const bad = await cli(['check', fixture('siwei-orphan-svq-trace-only.log'), '--qemu-log', fixture('no-such.log')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /cannot read the QEMU log .*no-such\.log: ENOENT/);
});

test('resolve --qemu-log: a map the kernel refused was never mapped', async () => {
  const trace = fixture('siwei-orphan-svq-trace-only.log');
  const log = fixture('siwei-orphan-svq.qemu-stderr.log');
  const refused = await cli(['resolve', trace, '--line', '23', '--space', 'iova', '--asid', '0', '0x2000', '--qemu-log', log, '--json']);
  assert.equal(refused.code, 1);
  assert.match(JSON.parse(refused.out).error, /^0x2000 is not mapped/);
  // without QEMU's log the same map is taken as accepted (and check warns map-over-orphan at line 21)
  const blind = await cli(['resolve', trace, '--line', '23', '--space', 'iova', '--asid', '0', '0x2000', '--json']);
  assert.equal(blind.code, 0);
  assert.equal(JSON.parse(blind.out).hops[1].created_line, 21);
});
