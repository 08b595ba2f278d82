// Device lifecycle and trace-level diagnostics: reset without IOTLB_PERSIST, leaks, SVQ IOVA
// divergence, parse errors, and the realistic clean SVQ trace that must stay silent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { analyze, brief, fixture, lineOf, relatedLines, sample } from './fixtures.js';

test('reset-lost-maps: reset, no remap, then vring addresses and DRIVER_OK in lost maps are errors', async () => {
  const diags = (await analyze(fixture('reset-lost-maps.log'))).diagnostics();
  const codes = new Set(diags.map((d) => d.code));
  assert.deepEqual([...codes], ['reset-lost-maps']);
  assert.ok(diags.every((d) => d.severity === 'error'));
  assert.deepEqual([...new Set(diags.map((d) => d.line))], [16, 17, 19], 'both set_vring_addr lines and the DRIVER_OK line');
  const driverOk = diags.find((d) => d.line === 19)!;
  assert.match(lineOf(fixture('reset-lost-maps.log'), 19), /vhost_vdpa_add_status .* status: 0x4$/);
  assert.match(driverOk.message, /2 mapping\(s\)/);
  assert.match(driverOk.message, /reset on line 14/);
  assert.match(driverOk.message, /IOVA \[0x0, 0x7fffffff\]/);
  assert.deepEqual(relatedLines(driverOk).slice(0, 3), [14, 8, 10], 'the reset, then both lost maps');
  const vq0 = diags.filter((d) => d.line === 16);
  assert.ok(vq0.some((d) => /vq 0 desc ring at IOVA 0x7d10000/.test(d.message)));
});

test('reset-lost-maps with --iotlb-persist: the kernel keeps the maps across reset, nothing to report', async () => {
  const engine = await analyze(fixture('reset-lost-maps.log'), { iotlbPersist: true });
  assert.deepEqual(brief(engine.diagnostics()), []);
  const r = engine.resolve('iova', 0x7d10000n, 19, { asid: 0 });
  assert.equal(r.hops[1]?.addr, 0x7f7903e00000n + 0x7d10000n, 'the vring GPA is still mapped after the reset');
});

test('reset cycle in QEMU\'s order (reset, unmap all, remap all, DRIVER_OK) is clean; the reset keeps the map, the unmap removes it', async () => {
  const engine = await analyze(fixture('reset-cycle-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  // line 14 is the reset, line 18 the unmap of low RAM, line 27 its new map
  const first = engine.timeline.records.find((r) => r.createdLine === 8)!;
  assert.deepEqual([first.removedLine, first.removedBy], [18, 'dma_unmap'], 'a reset never clears vhost-vdpa\'s IOTLB (§4.8): QEMU\'s unmap does');
  assert.ok(!engine.resolve('iova', 0x1000n, 13, { asid: 0 }).error);
  assert.ok(!engine.resolve('iova', 0x1000n, 16, { asid: 0 }).error, 'after the reset, before the unmap, the kernel still holds it');
  assert.ok(engine.resolve('iova', 0x1000n, 20, { asid: 0 }).error, 'between unmap and remap the device has no map');
  assert.ok(!engine.resolve('iova', 0x1000n, 31, { asid: 0 }).error);
});

test('leak-at-end (QEMU 7.2, exclusive region_del end): a deleted ROM section whose map was never unmapped', async () => {
  const diags = (await analyze(fixture('leak-at-end.log'))).diagnostics();
  assert.deepEqual(brief(diags), ['leak-at-end warning 7']);
  assert.match(diags[0].message, /IOVA \[0xc0000, 0xdffff\]/);
  assert.match(diags[0].message, /deleted at line 11/);
  assert.deepEqual(relatedLines(diags[0]), [11, 6]);
});

test('leak-at-end: the region_del that never got its unmap does not claim the next section\'s unmap', () => {
  const V = '0x5612d8e4a3f0';
  const more = [
    `vhost_vdpa_listener_region_del vdpa: ${V} iova 0x100000 llend 0x80000000`,
    `vhost_vdpa_listener_begin_batch vdpa:${V} fd: 17 msg_type: 2 type: 5`,
    `vhost_vdpa_dma_unmap vdpa:${V} fd: 17 msg_type: 2 iova: 0x100000 size: 0x7ff00000 type: 3`,
    `vhost_vdpa_listener_commit vdpa:${V} fd: 17 msg_type: 2 type: 6`,
  ];
  const text = readFileSync(fixture('leak-at-end.log'), 'utf8') + more.join('\n') + '\n';
  // line 16 unmaps exactly the section deleted on line 14: no aliased-unmap, only the old leak
  assert.deepEqual(brief(analyzeTraceText(text).diagnostics()), ['leak-at-end warning 7']);
});

test('leak-at-end clean (7.2): region_del prints the exclusive end 0xe0000 and the unmap of 0x20000 bytes matches it', async () => {
  const engine = await analyze(fixture('leak-at-end-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  const sections = engine.stateAt(14).find((t) => t.table.kind === 'section')!.mappings;
  assert.deepEqual(sections.map((s) => s.start), [0n, 0x100000n], 'the ROM section is gone, the two RAM sections stay');
  const rom = engine.stateAt(10).find((t) => t.table.kind === 'iotlb')!.mappings.find((m) => m.start === 0xc0000n)!;
  assert.equal(rom.perm, 1, 'a read-only section is mapped VHOST_ACCESS_RO');
});

test('parse-error: a garbled number in a known event gives its line and the column where parsing stopped', async () => {
  const engine = await analyze(fixture('parse-error.log'));
  const diags = engine.diagnostics();
  assert.deepEqual(brief(diags), ['parse-error warning 7']);
  const text = lineOf(fixture('parse-error.log'), 7);
  assert.equal(diags[0].column, text.indexOf('g0 size') + 1, 'the column of the stray "g"');
  assert.match(diags[0].message, /vhost_vdpa_dma_map/);
  assert.equal(engine.summary().malformed, 1);
  assert.equal(engine.summary().lines, 10);
});

test('parse-error clean: the same trace intact parses every line', async () => {
  const engine = await analyze(fixture('parse-error-clean.log'));
  assert.deepEqual(brief(engine.diagnostics()), []);
  assert.equal(engine.summary().malformed, 0);
  assert.equal(engine.summary().unknownEvents, 0);
});

test('iova-divergence: the legacy sample replayed with --qemu-layout current diverges at the unmap (line 17)', async () => {
  const diags = (await analyze(sample('aliased-unmap-svq-legacy.log'), { layout: 'current' })).diagnostics();
  const d = diags.filter((x) => x.code === 'iova-divergence');
  assert.deepEqual(brief(d), ['iova-divergence warning 17']);
  assert.match(d[0].message, /uses IOVA 0x1000, but QEMU's allocator \(current layout\) gives 0x2000001000/);
  assert.deepEqual(relatedLines(d[0]), [15]);
});

test('iova-divergence: a made-up IOVA for high RAM is reported once at its map', async () => {
  const diags = (await analyze(fixture('iova-divergence-made-up.log'))).diagnostics();
  assert.deepEqual(brief(diags), ['iova-divergence warning 10']);
  assert.match(diags[0].message, /GPA \[0x100000000, 0x17fffffff\] uses IOVA 0x100000000/);
  assert.match(diags[0].message, /gives 0x80004000/, 'after the vrings (0x1000-0x3fff) and low RAM (0x4000 + 2 GiB)');
});

test('iova-divergence clean: each sample agrees with its own layout and with auto', async () => {
  for (const [file, layout] of [['aliased-unmap-svq-legacy.log', 'legacy'], ['aliased-unmap-svq-legacy.log', 'auto'], ['aliased-unmap-svq-fixed.log', 'current'], ['aliased-unmap-svq-fixed.log', 'auto']] as const) {
    const diags = (await analyze(sample(file), { layout })).diagnostics();
    assert.deepEqual(diags.filter((d) => d.code === 'iova-divergence'), [], `${file} --qemu-layout ${layout}`);
  }
  const fixedAsLegacy = (await analyze(sample('aliased-unmap-svq-fixed.log'), { layout: 'legacy' })).diagnostics();
  assert.deepEqual(brief(fixedAsLegacy), ['iova-divergence warning 17'], 'and the fixed trace is not what the legacy tree does');
});

test('q35 SVQ trace (vrings, SMRAM alias, BIOS ROM, batches, reset cycle in QEMU order): zero diagnostics in every layout', async () => {
  for (const layout of ['auto', 'current', 'legacy'] as const) {
    const engine = await analyze(fixture('q35-svq-clean.log'), { layout });
    assert.deepEqual(brief(engine.diagnostics()), [], `--qemu-layout ${layout}`);
    const s = engine.summary();
    assert.deepEqual([s.lines, s.events, s.unknownEvents, s.malformed], [55, 55, 0, 0]);
    assert.deepEqual(s.vdpaDevices, [{ key: '0x5581a3c4e2b0', asids: [0], svq: true }]);
  }
});

test('q35 SVQ trace: a shadow vring at an IOVA the allocator would not give is caught, at the vring map line', () => {
  const text = readFileSync(fixture('q35-svq-clean.log'), 'utf8');
  // second vring's driver area moved from 0x4000 to 0x9000 (first start only)
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes('iova: 0x4000 size: 0x2000'));
  lines[i] = lines[i].replace('iova: 0x4000 ', 'iova: 0x9000 ');
  const diags = analyzeTraceText(lines.join('\n')).diagnostics().filter((d) => d.code === 'iova-divergence');
  assert.equal(diags[0]?.line, i + 1);
  assert.match(diags[0].message, /host-only map of HVA 0x7f3c98004000 uses IOVA 0x9000, but .* gives 0x4000/);
});
