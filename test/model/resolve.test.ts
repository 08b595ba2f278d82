// The one resolver: the chain walk, the main chain among aliases, the error of an address that
// goes nowhere, and a timeline and a live snapshot answering together.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve, resolveFirst, type ResolveSource } from '../../src/model/resolve.js';
import type { ResolveHop } from '../../src/model/resolution.js';
import { liveSource } from '../../src/model/liveSource.js';
import { GuestMemoryMap } from '../../src/model/memory/guestMemoryMap.js';
import { analyzeTraceText } from '../../src/trace/analyze.js';
import { TraceResolver } from '../../src/trace/replay/resolveAt.js';

const chain = (hops: readonly ResolveHop[]) => hops.map((h) => `${h.space}:0x${h.addr.toString(16)}`);

/** A source from a table of edges: `from` continues to each of `to`. */
function table(edges: Record<string, ResolveHop[]>, why = 'unknown here'): ResolveSource {
  return {
    next: (c) => edges[chain([c[c.length - 1]!])[0]!] ?? [],
    nowhere: (h) => `${h.space} 0x${h.addr.toString(16)}: ${why}`,
  };
}

test('the longest chain is the main one, the others alternatives; each space is visited once', () => {
  const s = table({
    'hva:0x7000': [
      { space: 'gpa', addr: 0xa0000n },
      { space: 'gpa', addr: 0xb0000n },
    ],
    'gpa:0xb0000': [{ space: 'iova', addr: 0x1b0000n }],
    // an edge back into a space the chain has seen is not followed
    'iova:0x1b0000': [{ space: 'hva', addr: 0x7000n }],
  });
  const a = resolve('hva', 0x7000n, { live: s });
  assert.deepEqual(chain(a.hops), ['hva:0x7000', 'gpa:0xb0000', 'iova:0x1b0000']);
  assert.deepEqual(a.alternatives.map(chain), [['hva:0x7000', 'gpa:0xa0000']]);
  assert.equal(a.error, undefined);
});

test('an address that goes nowhere: the queried hop and every source\'s reason; bad input is an error, not a throw', () => {
  const a = resolve('gpa', 0x10n, { live: table({}, 'not in the live map'), timeline: table({}, 'no section at line 3') });
  assert.deepEqual(chain(a.hops), ['gpa:0x10']);
  assert.equal(a.error, 'gpa 0x10: not in the live map; gpa 0x10: no section at line 3');
  assert.match(resolve('gpa', 1n << 64n, { live: table({}) }).error ?? '', /not a 64-bit address/);
  assert.match(resolve('gpa', 0x10n, {}).error ?? '', /no trace and no live VM/);
  const first = resolveFirst(['iova', 'gpa'], 0x10n, { live: table({ 'gpa:0x10': [{ space: 'hva', addr: 0x7010n }] }) });
  assert.deepEqual([first.resolved, chain(first.answer.hops)], [true, ['gpa:0x10', 'hva:0x7010']]);
  assert.equal(resolveFirst(['iova', 'hva'], 0x10n, { live: table({}) }).resolved, false);
});

test('both sources: the live memory map takes a GPA to its HVA, the trace at line N takes that HVA to the device IOVA', () => {
  // the real QEMU 7.2 + SVQ lab run: at line 60, IOVA 0x8000 of ASID 0 holds guest RAM (GPA 0x1000)
  const engine = analyzeTraceText(readFileSync('samples/vdpa-lab-qemu-7.2-svq/trace.log', 'utf8'));
  const fromTrace = engine.resolve('iova', 0x8000n, 60);
  const hva = fromTrace.hops[1]!.addr;
  // the live VM shows that RAM at another GPA than the trace's sections did
  const map = new GuestMemoryMap({ regions: [{ start: 0x4000_0000n, last: 0x4000_ffffn, name: 'moved.ram', offsetInRegion: 0n, kind: 'ram', readonly: false, hva: hva - 0x1000n }] });
  const timeline = new TraceResolver(engine.timeline).at(60);
  const liveOnly = resolve('gpa', 0x4000_1000n, { live: liveSource(map) });
  assert.deepEqual(chain(liveOnly.hops), ['gpa:0x40001000', `hva:0x${hva.toString(16)}`]);
  assert.match(resolve('gpa', 0x4000_1000n, { timeline }).error ?? '', /not mapped in GPA at line 60/);
  const both = resolve('gpa', 0x4000_1000n, { live: liveSource(map), timeline }, { asid: 0 });
  assert.deepEqual(chain(both.hops), ['gpa:0x40001000', `hva:0x${hva.toString(16)}`, 'iova:0x8000']);
  assert.deepEqual([both.line, both.hops[2]!.createdLine, both.hops[2]!.asid], [60, fromTrace.hops[1]!.createdLine, 0]);
  // where the VM shows a GPA at another HVA than the trace's sections did, the VM wins that hop
  // (the trace's older HVA is no alternative); the trace still finds the device IOVA of the GPA
  // through the map made for its section, as QEMU does
  const gpa = fromTrace.hops[2]!.addr;
  const elsewhere = new GuestMemoryMap({ regions: [{ start: 0n, last: 0xfffffn, name: 'pc.ram', offsetInRegion: 0n, kind: 'ram', readonly: false, hva: 0x5555_0000_0000n }] });
  const moved = resolve('gpa', gpa, { live: liveSource(elsewhere), timeline }, { asid: 0 });
  assert.deepEqual(chain(moved.hops), [`gpa:0x${gpa.toString(16)}`, `hva:0x${(0x5555_0000_0000n + gpa).toString(16)}`, 'iova:0x8000']);
  assert.deepEqual(moved.alternatives, []);
  assert.deepEqual(chain(resolve('gpa', gpa, { timeline }, { asid: 0 }).hops), [`gpa:0x${gpa.toString(16)}`, `hva:0x${hva.toString(16)}`, 'iova:0x8000']);
});
