import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VhostIovaTree } from '../../src/model/vhostIovaTree.js';
import { svqTranslateAddr } from '../../src/model/svqTranslate.js';
import { IOVA_OK, type DMAMap } from '../../src/model/dmaMap.js';
import { U64_MAX } from '../../src/model/u64.js';

const req = (size: bigint): DMAMap => ({ iova: 0n, translatedAddr: 0n, size, perm: 3 });

function hostTree(...hvas: bigint[]): VhostIovaTree {
  const t = new VhostIovaTree(0x3000n, U64_MAX);
  for (const hva of hvas) assert.equal(t.mapAlloc(req(0xfffn), hva), IOVA_OK);
  return t;
}

test('§9.8 SVQ needle is one byte too long: a node starting right after the buffer wins in IOVA order', () => {
  // Mb {iova 0x3000, hva 0x7f0000003000}, filler at 0x4000, Ma {iova 0x5000, hva 0x7f0000002000}
  const t = hostTree(0x7f00_0000_3000n, 0x7f00_0010_0000n, 0x7f00_0000_2000n);
  assert.equal(t.findIova({ translatedAddr: 0x7f00_0000_2000n, size: 0n })?.iova, 0x5000n);
  const r = svqTranslateAddr(t, [{ hva: 0x7f00_0000_2800n, len: 0x800n }]);
  assert.equal(r.ok, true, 'the bounds check passes');
  const first = r.results[0];
  assert.ok(first.ok);
  assert.equal(first.node.iova, 0x3000n, 'Mb, not the containing Ma');
  assert.equal(first.iova, 0x2800n, 'wrapped offset: 0x3000 + 0xffff_ffff_ffff_f800, not 0x5800');
  // one byte shorter and the needle no longer touches Mb: the right answer
  const ok = svqTranslateAddr(t, [{ hva: 0x7f00_0000_2800n, len: 0x7ffn }]);
  assert.equal(ok.results[0].ok && ok.results[0].iova, 0x5800n);
});

test('§9.8 in the GPA tree the containing node sorts first, so the extra byte is harmless', () => {
  const t = new VhostIovaTree(0n, U64_MAX);
  assert.equal(t.mapAllocGpa(req(0xfffn), 0x3000n), IOVA_OK); // IOVA 0x1000
  assert.equal(t.mapAllocGpa(req(0xfffn), 0x2000n), IOVA_OK); // IOVA 0x2000
  const r = svqTranslateAddr(t, [{ hva: 0xdead_0000n, len: 0x800n, gpa: 0x2800n }]);
  assert.equal(r.results[0].ok && r.results[0].iova, 0x2800n);
  assert.equal(r.results[0].via, 'gpa');
});

test('SVQ: unknown address fails with the guest-error text and stops at that buffer', () => {
  const t = hostTree(0x7f00_0000_3000n);
  const r = svqTranslateAddr(t, [
    { hva: 0x7f00_0000_3000n, len: 0x100n },
    { hva: 0x7f00_00ab_c000n, len: 0x10n },
    { hva: 0x7f00_0000_3100n, len: 0x10n },
  ]);
  assert.equal(r.ok, false);
  assert.equal(r.results.length, 2, 'QEMU does not look at buffers after a failure');
  assert.deepEqual(r.results[1], { ok: false, reason: 'invalid-address', message: 'Invalid address 0x7f0000abc000 given by guest', via: 'hva' });
});

test('SVQ: a buffer running past its node fails the bounds check, after the address was computed', () => {
  const t = hostTree(0x7f00_0000_3000n, 0x7f00_0000_4000n); // contiguous in HVA, two nodes
  const r = svqTranslateAddr(t, [{ hva: 0x7f00_0000_3f00n, len: 0x200n }]);
  const res = r.results[0];
  assert.ok(!res.ok && res.reason === 'expands-over-range');
  assert.equal(res.message, 'Guest buffer expands over iova range');
  assert.equal(res.iova, 0x3f00n, 'addrs[i] already written');
  // exactly up to the node's last byte is fine
  const edge = svqTranslateAddr(t, [{ hva: 0x7f00_0000_3f00n, len: 0x100n }]);
  assert.equal(edge.ok, true);
});

test('SVQ: empty buffer list succeeds; a zero-length buffer checks addr-1 against the node end', () => {
  const t = hostTree(0x7f00_0000_3000n);
  assert.deepEqual(svqTranslateAddr(t, []), { ok: true, results: [] });
  // len 0 at one past the node: needle [0x7f0000004000, +0] misses → invalid address
  assert.equal(svqTranslateAddr(t, [{ hva: 0x7f00_0000_4000n, len: 0n }]).ok, false);
  const z = svqTranslateAddr(t, [{ hva: 0x7f00_0000_3fffn, len: 0n }]);
  assert.equal(z.results[0].ok && z.results[0].iova, 0x3fffn);
});
