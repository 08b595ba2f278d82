// QEMU ≥ 10.1 registers the vhost-vdpa listener at init: guest memory is mapped before any device
// start, so with SVQ it takes the lowest IOVAs and the shadow vrings come after it (≤ 10.0 maps the
// vrings first). The replay must follow either order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { analyze, brief, fixture } from './fixtures.js';

const FILE = fixture('listener-at-init-qemu-10.1.log');

test('10.1 order: guest memory mapped at init, SVQ vrings after the device start — no finding, and each layout agrees', async () => {
  for (const layout of ['auto', 'current'] as const) {
    const engine = await analyze(FILE, { layout });
    assert.deepEqual(brief(engine.diagnostics()), [], layout);
  }
  const engine = await analyze(FILE);
  // GPA 0x2000 is guest RAM [0x0, 0xbffff], mapped at IOVA 0x1000 before the device started
  const r = engine.resolve('gpa', 0x2000n, 12, {});
  assert.deepEqual(r.hops.map((h) => `${h.space} 0x${h.addr.toString(16)}`), ['gpa 0x2000', 'hva 0x7f52b4bee000', 'iova 0x3000']);
});

test('10.1 order: a vring at an IOVA QEMU\'s allocator would not give is a divergence', async () => {
  const text = readFileSync(FILE, 'utf8').replace('iova: 0x7fc3000 size: 0x1000', 'iova: 0x9000000 size: 0x1000');
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-101-'));
  const path = join(dir, 'trace.log');
  writeFileSync(path, text);
  const engine = await analyze(path, { layout: 'current' });
  assert.deepEqual(brief(engine.diagnostics()), ['iova-divergence warning 11']);
});
