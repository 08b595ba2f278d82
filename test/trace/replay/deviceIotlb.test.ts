// vhost device-IOTLB flow (qemu-semantics §5.3): a miss answered through the vIOMMU becomes an
// entry GIOVA page -> HVA from the vhost memory table; a guest invalidation removes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, fixture } from './fixtures.js';

test('device IOTLB: miss → translate → UPDATE gives the worked-example entry; PSI invalidates it', async () => {
  const engine = await analyze(fixture('vhost-device-iotlb.log'));
  const at4 = engine.resolve('giova', 0x12345678n, 4);
  assert.equal(at4.hops.find((h) => h.space === 'hva')?.addr, 0x7f0007654678n, 'through the vIOMMU and the memory table');
  const viaIotlb = [at4.hops, ...at4.alternatives].flat().find((h) => h.space === 'hva' && /device IOTLB/.test(h.owner ?? ''));
  assert.equal(viaIotlb?.addr, 0x7f0007654678n, 'the device IOTLB entry agrees: uaddr 0x7f0007654000 + page offset 0x678');
  assert.match(viaIotlb?.owner ?? '', /miss at line 2, translated at line 3/);
  const entry = engine.stateAt(4).find((s) => s.table.kind === 'device-iotlb')?.mappings;
  assert.deepEqual(entry?.map((m) => [m.start, m.last, m.target, m.perm]), [[0x12345000n, 0x12345fffn, 0x7f0007654000n, 3]]);
  const at5 = engine.stateAt(5).find((s) => s.table.kind === 'device-iotlb')?.mappings;
  assert.equal(at5?.length, 0, 'the page-selective invalidation removed it');
  assert.equal(engine.diagnostics().filter((d) => d.severity !== 'info').length, 0);
});
