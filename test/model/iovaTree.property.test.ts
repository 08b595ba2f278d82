// IovaTree (O(log n)) against the literal linear walk of util/iova-tree.c, on random operation
// sequences biased toward the corners where QEMU's u64 arithmetic bites: sizes near 2^64,
// needles that wrap, iova_begin inside a mapping, holes at the very top of the space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IovaTree, type IovaTreeKeying } from '../../src/model/iovaTree.js';
import type { DMAMap } from '../../src/model/dmaMap.js';
import type { Perm } from '../../src/model/access.js';
import { add64, hex, sub64, U64_MAX } from '../../src/model/u64.js';
import { LinearIovaTree } from './reference/linearIovaTree.js';
import { prng } from '../../src/shared/prng.js';

class Cases {
  constructor(private readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  raw64(): bigint {
    return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
  }
  /** an address: low page-ish, near the top, anywhere, or next to an existing node's edge */
  addr(nodes: DMAMap[], key: (m: DMAMap) => bigint): bigint {
    const k = this.int(10);
    if (k < 4) return BigInt(this.int(0x40)) * 0x100n + BigInt(this.pick([0, 0, 0, 1, 0xff]));
    if (k < 6) return sub64(U64_MAX, BigInt(this.int(0x4000)));
    if (k < 7) return this.raw64();
    if (nodes.length === 0) return BigInt(this.int(0x4000));
    const n = this.pick(nodes);
    const last = add64(key(n), n.size);
    return this.pick([key(n), last, add64(last, 1n), sub64(key(n), 1n), add64(key(n), n.size / 2n)]);
  }
  /** an inclusive size: small, zero, near 2^64, or anything */
  size(): bigint {
    const k = this.int(10);
    if (k < 5) return BigInt(this.int(0x20)) * 0x100n + BigInt(this.pick([0xff, 0xff, 0, 0xfe]));
    if (k < 6) return 0n;
    if (k < 8) return sub64(U64_MAX, BigInt(this.int(0x3000)));
    return this.raw64() >> BigInt(this.int(64));
  }
  perm(): Perm {
    return this.int(12) === 0 ? 0 : (this.pick([1, 2, 3]) as Perm);
  }
}

function runSequence(seed: number, keying: IovaTreeKeying, ops: number): void {
  const c = new Cases(prng(seed));
  const ours = new IovaTree(keying);
  const ref = new LinearIovaTree(keying);
  const key = (x: DMAMap): bigint => (keying === 'iova' ? x.iova : x.translatedAddr);
  const log: string[] = [];
  const fail = (what: string, e: unknown): never => {
    assert.fail(`seed ${seed} (${keying}) op ${log.length}: ${what}\n${log.slice(-8).join('\n')}\n${(e as Error).message}`);
  };
  for (let i = 0; i < ops; i++) {
    const nodes = ref.nodes();
    const op = c.int(keying === 'iova' ? 6 : 5);
    const map: DMAMap = { iova: c.addr(nodes, (x) => x.iova), translatedAddr: c.addr(nodes, (x) => x.translatedAddr), size: c.size(), perm: c.perm() };
    const desc = `iova ${hex(map.iova)} taddr ${hex(map.translatedAddr)} size ${hex(map.size)} perm ${map.perm}`;
    try {
      switch (op) {
        case 0:
        case 1: {
          log.push(`insert ${desc}`);
          assert.equal(ours.insert(map), ref.insert({ ...map }));
          break;
        }
        case 2:
          log.push(`find ${desc}`);
          assert.deepEqual(ours.find(map), ref.find(map));
          break;
        case 3:
          log.push(`findIova ${desc}`);
          assert.deepEqual(ours.findIova(map), ref.findIova(map));
          break;
        case 4:
          log.push(`remove ${desc}`);
          assert.equal(ours.remove(map), ref.remove(map));
          break;
        default: {
          const begin = c.int(3) === 0 && nodes.length > 0 ? add64(key(c.pick(nodes)), BigInt(c.int(0x200))) : c.addr(nodes, key);
          const last = c.pick([U64_MAX, U64_MAX, add64(begin, c.size()), c.raw64(), sub64(begin, 1n)]);
          const small = { ...map, size: c.int(2) === 0 ? BigInt(c.int(0x40)) * 0x100n + 0xffn : map.size };
          // sizes right on a hole's edge: the final hole below 2^64, or a gap between two nodes
          const edge = BigInt(c.int(3)) - 1n;
          if (nodes.length > 0 && c.int(3) === 0) small.size = add64(sub64(U64_MAX, add64(add64(nodes[nodes.length - 1].iova, nodes[nodes.length - 1].size), 1n)), edge);
          else if (nodes.length > 1 && c.int(2) === 0) {
            const j = 1 + c.int(nodes.length - 1);
            small.size = add64(sub64(sub64(nodes[j].iova, add64(nodes[j - 1].iova, nodes[j - 1].size)), 2n), edge);
          }
          log.push(`allocMap ${desc} size' ${hex(small.size)} begin ${hex(begin)} last ${hex(last)}`);
          const a = { ...small };
          const b = { ...small };
          assert.deepEqual(ours.allocMap(a, begin, last), ref.allocMap(b, begin, last));
          assert.equal(a.iova, b.iova, 'map.iova written alike');
        }
      }
      assert.deepEqual(ours.nodes(), ref.nodes());
      assert.equal(ours.size, ref.size);
    } catch (e) {
      fail('mismatch', e);
    }
  }
}

test('property: IovaTree answers exactly like the literal QEMU walk (IOVA-keyed, 200 × 300 ops)', () => {
  const base = Number(process.env.IOVA_PROP_SEED ?? 1);
  for (let s = 0; s < 200; s++) runSequence(base + s, 'iova', 300);
});

test('property: GPA-keyed tree answers exactly like the literal walk (60 × 300 ops)', () => {
  const base = Number(process.env.IOVA_PROP_SEED ?? 1) + 100_000;
  for (let s = 0; s < 60; s++) runSequence(base + s, 'gpa', 300);
});

test('property: dense first-fit churn matches the literal walk (holes reused, gaps reshaped)', () => {
  const c = new Cases(prng(77));
  const ours = new IovaTree();
  const ref = new LinearIovaTree();
  for (let i = 0; i < 3000; i++) {
    if (c.int(3) === 0 && ref.size > 0) {
      const n = c.pick(ref.nodes());
      const needle = { iova: n.iova, size: BigInt(c.int(3)) * 0x1000n };
      ours.remove(needle);
      ref.remove(needle);
    } else {
      const size = BigInt(1 + c.int(8)) * 0x1000n - 1n;
      const begin = c.pick([0x1000n, 0x1000n, BigInt(c.int(64)) * 0x1000n]);
      const a: DMAMap = { iova: 0n, translatedAddr: BigInt(c.int(1 << 20)) * 0x1000n, size, perm: 3 };
      const b = { ...a };
      assert.deepEqual(ours.allocMap(a, begin, 0x40_0000n), ref.allocMap(b, begin, 0x40_0000n), `op ${i}`);
    }
    const probe = { translatedAddr: BigInt(c.int(1 << 20)) * 0x1000n, size: BigInt(c.int(4)) * 0x1000n };
    assert.deepEqual(ours.findIova(probe), ref.findIova(probe), `findIova after op ${i}`);
  }
  assert.deepEqual(ours.nodes(), ref.nodes());
});
