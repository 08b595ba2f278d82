// The live set searches on doubles (addressColumns.ts) and breaks ties on the exact BigInts: near
// the top of the u64 space many addresses share one double, and the answers must still be the
// exact ones. Compared with a plain filter over the exact addresses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressColumns } from '../../../src/trace/replay/addressColumns.js';
import { LiveSet } from '../../../src/trace/replay/liveSet.js';
import type { MapRecord } from '../../../src/trace/replay/timeline.js';
import { seededRandom } from '../../harness/seededRandom.js';

const rng = seededRandom;

/** non-overlapping ranges in three bands: small, around 2^53 and just under 2^64 */
function ranges(r: () => number, n: number): [bigint, bigint][] {
  const out: [bigint, bigint][] = [];
  for (const base of [0x1000n, (1n << 53n) - 0x800n, 0xffffffffffff0000n]) {
    let at = base;
    for (let i = 0; i < n; i++) {
      const len = BigInt(1 + Math.floor(r() * 0x30));
      out.push([at, at + len - 1n]);
      at += len + BigInt(Math.floor(r() * 3));
    }
  }
  return out;
}

test('live-set searches give the exact answers where addresses share a double (above 2^53)', () => {
  const r = rng(5);
  const cols = new AddressColumns();
  const set = new LiveSet(cols);
  const recs: MapRecord[] = ranges(r, 600).map(([start, last], id) => {
    cols.push(id, start, last, start);
    return { id, table: 0, start: cols.start(id), last: cols.last(id), target: cols.target(id), perm: 3, createdLine: id };
  });
  // exact round trip, even where the double is not exact
  for (const [i, [start, last]] of ranges(rng(5), 600).entries()) assert.deepEqual([cols.start(i), cols.last(i)], [start, last]);
  const shuffled = [...recs].sort(() => r() - 0.5);
  for (const rec of shuffled) set.add(rec);
  const live = new Set(recs);
  for (const rec of shuffled.slice(0, 500)) {
    set.remove(rec);
    live.delete(rec);
  }
  const exact = (s: bigint, l: bigint) => [...live].filter((x) => x.start <= l && x.last >= s).sort((a, b) => (a.start < b.start ? -1 : 1));
  let nonEmpty = 0;
  for (let i = 0; i < 3000; i++) {
    const rec = recs[Math.floor(r() * recs.length)];
    const s = rec.start + BigInt(Math.floor(r() * 0x40)) - 0x20n;
    const l = s + BigInt(Math.floor(r() * 0x60));
    const got = set.overlapping(s, l);
    assert.deepEqual(got.map((x) => x.id), exact(s, l).map((x) => x.id), `overlapping [${s.toString(16)}, ${l.toString(16)}]`);
    if (got.length > 0) nonEmpty++;
  }
  assert.ok(nonEmpty > 1000, `${nonEmpty} queries found something`);
  assert.equal(set.size, live.size);
  assert.deepEqual(set.all().map((x) => x.id), exact(0n, 0xffffffffffffffffn).map((x) => x.id));
});
