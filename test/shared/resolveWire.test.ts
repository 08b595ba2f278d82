// The one wire shape of a ResolveAnswer (src/shared/protocol/resolveWire.ts): what the language
// server, the debug adapter and the large-trace worker send survives JSON exactly (every 64-bit
// address, every field), and whatever else arrives is refused with a ProtocolError that names the
// field (a JSON path) and what was wrong with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRequest, stateAt } from '../../src/server/requests.js';
import { decodeResolveAnswer, encodeResolveAnswer, MAX_ALTERNATIVES, MAX_HOPS, type WireResolveAnswer } from '../../src/shared/protocol/resolveWire.js';
import { ProtocolError, shown } from '../../src/shared/protocol/check.js';
import type { ResolveAnswer } from '../../src/model/resolution.js';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { liveSource } from '../../src/model/liveSource.js';
import { resolve } from '../../src/model/resolve.js';
import { prng } from '../../src/shared/prng.js';
import { sampleIndex } from '../server/fixtures.js';

const viaJson = (w: WireResolveAnswer): unknown => JSON.parse(JSON.stringify(w));

/** The model's answer and the decoded wire answer say the same thing, address for address. */
function assertSame(got: WireResolveAnswer, want: ResolveAnswer, what: string): void {
  const chains = (a: { hops: readonly { addr: string | bigint }[]; alternatives: readonly (readonly { addr: string | bigint }[])[] }) =>
    [a.hops, ...a.alternatives].map((c) => c.map((h) => ({ ...h, addr: BigInt(h.addr) })));
  assert.deepEqual(chains(got), chains(want), what);
  assert.equal(got.line, want.line, what);
  assert.equal(got.error, want.error, what);
  assert.equal(got.note, want.note, what);
}

test('every resolve of a real trace survives the wire: the LSP answer decodes to the model answer, hop for hop', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  let answers = 0;
  for (const line of [3, 13, 16, 17, 18, idx.lineCount]) {
    // each mapping's first and last byte, in the space it is keyed by, and one byte past it
    const queries = stateAt(idx, line).tables.flatMap((t) => t.mappings.flatMap((m) => [m.start, m.last, `0x${(BigInt(m.last) + 1n).toString(16)}`].map((addr) => ({ space: t.keySpace, addr, asid: t.asid }))));
    for (const q of queries) {
      const sent = resolveRequest(idx, { uri: idx.uri, line, ...q });
      const model = idx.engine.resolve(q.space, BigInt(q.addr), line, { asid: q.asid });
      const got = decodeResolveAnswer(viaJson(sent));
      assert.deepEqual(got, sent, `${q.space} ${q.addr} at line ${line}: decode(encode(a)) is a`);
      assertSame(got, model, `${q.space} ${q.addr} at line ${line}`);
      answers++;
    }
  }
  assert.ok(answers > 50, `${answers} answers checked`);
});

test('a live answer has no line, keeps the hop notes (the other GPAs an HVA shows at) and 64-bit addresses to the last bit', () => {
  const top = 0xffff_ffff_ffff_f000n;
  const map = new GuestMemoryMap({
    regions: [
      { start: 0n, last: 0xfffffn, name: 'pc.ram', offsetInRegion: 0n, kind: 'ram', readonly: false, hva: top },
      { start: 0x1_0000_0000n, last: 0x1_0000_0fffn, name: 'pc.ram.high', offsetInRegion: 0n, kind: 'ram', readonly: false, hva: top },
    ],
  });
  const model = resolve('gpa', 0xfffn, { live: liveSource(map) });
  const sent = encodeResolveAnswer(model);
  assert.equal(sent.line, undefined);
  assert.equal(sent.hops[1]?.addr, '0xffffffffffffffff');
  assert.equal(sent.hops[1]?.note, 'also visible at GPA 0x100000fff');
  const got = decodeResolveAnswer(viaJson(sent), 'body');
  assert.deepEqual(got, sent);
  assertSame(got, model, 'live gpa 0xfff');
  // the HVA the two regions share shows at both GPAs: an answer with an alternative chain
  const back = resolve('hva', 0xffff_ffff_ffff_ffffn, { live: liveSource(map) });
  assert.equal(back.alternatives.length, 1, JSON.stringify(encodeResolveAnswer(back)));
  assertSame(decodeResolveAnswer(viaJson(encodeResolveAnswer(back))), back, 'live hva top');
});

test('a wrong field is refused with its JSON path and what arrived', () => {
  const hop = { space: 'gpa', addr: '0x1000' };
  const cases: [unknown, RegExp][] = [
    [null, /^body: expected an object, got null$/],
    [{ hops: [hop] }, /^body\.alternatives: expected an array, got nothing$/],
    [{ hops: [{ space: 'gpa', addr: 4096 }], alternatives: [] }, /^body\.hops\[0\]\.addr: expected a 64-bit hex address like "0x1000", got 4096$/],
    [{ hops: [{ space: 'gpa', addr: '0x10000000000000000' }], alternatives: [] }, /^body\.hops\[0\]\.addr: .*"0x10000000000000000"$/],
    [{ hops: [], alternatives: [[hop, { space: 'ipa', addr: '0x0' }]] }, /^body\.alternatives\[0\]\[1\]\.space: expected an address space \(.*\), got "ipa"$/],
    [{ hops: [{ ...hop, perm: 4 }], alternatives: [] }, /^body\.hops\[0\]\.perm: expected an integer in 0\.\.3, got 4$/],
    [{ hops: [{ ...hop, createdLine: 0 }], alternatives: [] }, /^body\.hops\[0\]\.createdLine: expected an integer ≥ 1, got 0$/],
    [{ hops: [{ ...hop, asid: -1 }], alternatives: [] }, /^body\.hops\[0\]\.asid: /],
    [{ hops: [], alternatives: [], line: '3' }, /^body\.line: expected an integer ≥ 1, got "3"$/],
    [{ hops: [], alternatives: [], error: 7 }, /^body\.error: expected a string, got 7$/],
    [{ hops: new Array(MAX_HOPS + 1).fill(hop), alternatives: [] }, new RegExp(`^body\\.hops: has ${MAX_HOPS + 1} elements, at most ${MAX_HOPS}$`)],
    [{ hops: [], alternatives: new Array(MAX_ALTERNATIVES + 1).fill([]) }, new RegExp(`^body\\.alternatives: has ${MAX_ALTERNATIVES + 1} elements`)],
  ];
  for (const [raw, want] of cases) {
    assert.throws(() => decodeResolveAnswer(raw, 'body'), (e: unknown) => e instanceof ProtocolError && want.test(e.message), `${shown(raw)} → ${want}`);
  }
  // fields it does not know are dropped: what comes out is exactly the wire type
  assert.deepEqual(decodeResolveAnswer({ hops: [{ ...hop, nodeId: 'x' }], alternatives: [], extra: 1 }), { hops: [hop], alternatives: [] });
});

test('fuzz: mutated real answers and garbage decode to an answer or a ProtocolError with a path, never anything else', () => {
  const idx = sampleIndex('aliased-unmap-svq-legacy.log');
  const seeds = [resolveRequest(idx, { uri: idx.uri, space: 'iova', addr: '0x2000001010', line: 18, asid: 0 }), resolveRequest(idx, { uri: idx.uri, space: 'gpa', addr: '0x10', line: 18 })].map(viaJson);
  const rnd = prng(0x51ed270b);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  const atoms: unknown[] = [null, undefined, 0, -1, 2 ** 53, 1.5, NaN, '', '0x', '0xg', '0x10000000000000000', 'hva', 'ipa', true, [], {}, 5n, Symbol('s'), cyclic, 'x'.repeat(70_000), new Array(1000).fill({})];
  const pick = <T>(l: readonly T[]): T => l[Math.floor(rnd() * l.length)]!;
  const mutate = (v: unknown, depth: number): unknown => {
    if (depth > 5 || rnd() < 0.08) return pick(atoms);
    if (Array.isArray(v)) return rnd() < 0.1 ? [...v, ...v] : v.map((x) => mutate(x, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rnd() < 0.2 ? pick(atoms) : mutate(x, depth + 1)]));
    return rnd() < 0.7 ? v : pick(atoms);
  };
  let refused = 0;
  let passed = 0;
  for (let i = 0; i < 5000; i++) {
    const raw = rnd() < 0.05 ? pick(atoms) : mutate(pick(seeds), 0);
    try {
      const a = decodeResolveAnswer(raw, 'result');
      // what passes is well formed: it round-trips and every address is a u64
      assert.deepEqual(decodeResolveAnswer(viaJson(a), 'result'), a);
      for (const h of [a.hops, ...a.alternatives].flat()) assert.ok(BigInt(h.addr) < 1n << 64n);
      passed++;
    } catch (e) {
      assert.ok(e instanceof ProtocolError, `threw ${String(e)} for ${shown(raw)}`);
      assert.match(e.message, /^result(\.|\[|:)/, 'the message starts with the path');
      assert.ok(e.message.length < 300, `a short message (${e.message.length} characters)`);
      refused++;
    }
  }
  assert.ok(refused > 2000 && passed > 100, `refused ${refused}, passed ${passed}`);
});
