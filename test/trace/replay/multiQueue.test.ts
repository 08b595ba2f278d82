// QEMU ≤ 8.x prints one struct vhost_vdpa pointer per queue pair, but the kernel IOTLB belongs to
// the vhost-vdpa fd: maps under both pointers share one IOTLB and one SVQ allocator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, fixture, brief } from './fixtures.js';

test('two queue pairs on one fd are one device: SVQ allocation predicted across both, overlap detected across pointers', async () => {
  const engine = await analyze(fixture('multiqueue-svq-7.2.log'));
  const s = engine.summary();
  assert.equal(s.vdpaDevices.length, 1, 'one device, not one per pointer');
  assert.equal(s.vdpaDevices[0].svq, true);
  // line 8: guest RAM at 0x7000 is exactly what the allocator gives after both pairs' rings;
  // line 10: the first pointer maps over it in the same IOTLB
  // and that map is also not where the allocator would put a host-only buffer
  assert.deepEqual(brief(engine.diagnostics()), ['map-overlap error 10', 'iova-divergence warning 10']);
});
