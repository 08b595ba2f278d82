// Every parser of a message that crosses a process boundary runs on the one kit
// (src/shared/protocol/check.ts): whatever arrives, it returns a value or a ProtocolError that
// says where (a JSON path) and what — never a TypeError, a RangeError or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError, shown } from '../../src/shared/protocol/check.js';
import { parseDebugEvent, STATUS_EVENT, VIEW_EVENT } from '../../src/shared/protocol/debugEvents.js';
import { parseResolveArgs } from '../../src/shared/protocol/debugRequests.js';
import { decodeResolveAnswer } from '../../src/shared/protocol/resolveWire.js';
import { parseViewerMessage, parseWorkerRequest, parseWorkerResponse } from '../../src/shared/protocol/largeTrace.js';
import { parseFromWebview, parseToWebview } from '../../src/shared/protocol/webview.js';
import { prng } from '../../src/shared/prng.js';

const view = {
  source: { kind: 'debug', sessionId: 's', name: 'Attach', stoppedAt: 'pause' },
  sections: [{ id: 'm', label: 'Guest memory', children: [{ id: 'r', label: 'pc.ram', space: 'gpa', start: '0x0', last: '0x9ffff', target: { space: 'hva', start: '0x7f0000000000' }, perm: 3 }] }],
  strips: [{ id: 's', title: 'GPA', space: 'gpa', start: '0x0', last: '0xfffff', segments: [{ start: '0x0', last: '0x9ffff', label: 'pc.ram', nodeId: 'r' }] }],
  notes: ['n'],
};
const hop = { space: 'iova', addr: '0x1000', owner: 'o', perm: 3, asid: 0 };
const SAMPLES: unknown[] = [
  { view },
  { state: 'stopped', reason: 'step' },
  { addr: '0x1000', space: 'gpa', device: '00:03.0' },
  { line: 7, hops: [{ ...hop, createdLine: 3, device: '00:03.0', note: 'aliased' }], alternatives: [[hop]], note: 'n', error: 'e' },
  { type: 'lines', id: 1, from: 1, count: 10 },
  { type: 'filter', id: 2, criteria: { family: 'vtd_', asid: 0 }, limit: 5 },
  { type: 'open', id: 3, path: '/t.log', traceEvents: ['/te'] },
  { type: 'error', id: 4, message: 'm' },
  { type: 'cursor', line: 3 },
  { type: 'view', view },
  { type: 'resolution', resolution: { query: 'q', chains: [[hop]] } },
  { type: 'resolve', query: { addr: '0x1' } },
];
const PARSERS: [string, (v: unknown) => unknown][] = [
  ['view event', (v) => parseDebugEvent(VIEW_EVENT, v)],
  ['status event', (v) => parseDebugEvent(STATUS_EVENT, v)],
  ['resolve args', parseResolveArgs],
  ['resolve answer', (v) => decodeResolveAnswer(v)],
  ['worker request', parseWorkerRequest],
  ['worker response', parseWorkerResponse],
  ['viewer message', parseViewerMessage],
  // the webview parsers return errors as values; unwrap them so the same check applies
  ['to webview', (v) => { const r = parseToWebview(v); if (!r.ok) throw new ProtocolError('', r.error); return r.msg; }],
  ['from webview', (v) => { const r = parseFromWebview(v); if (!r.ok) throw new ProtocolError('', r.error); return r.msg; }],
];

test('the right message passes each parser unchanged', () => {
  assert.deepEqual(parseDebugEvent(VIEW_EVENT, SAMPLES[0]).body, SAMPLES[0]);
  assert.deepEqual(parseResolveArgs(SAMPLES[2]), SAMPLES[2]);
  assert.deepEqual(decodeResolveAnswer(SAMPLES[3]), SAMPLES[3]);
  for (const m of SAMPLES.slice(4, 8)) assert.deepEqual(m === SAMPLES[7] ? parseWorkerResponse(m) : parseWorkerRequest(m), m);
  assert.deepEqual(parseViewerMessage(SAMPLES[8]), SAMPLES[8]);
  for (const m of SAMPLES.slice(9, 11)) assert.deepEqual(parseToWebview(m), { ok: true, msg: m });
});

test('fuzz: mutated and random messages give a value or a ProtocolError naming a path, in every parser', () => {
  const rnd = prng(0x9e3779b9);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const atoms: unknown[] = [null, undefined, 0, -1, 2 ** 53, 1.5, NaN, Infinity, '', 'x', '0x', '0x10000000000000000', 'gpa', true, [], {}, 10n, Symbol('s'), cyclic, 'x'.repeat(70_000), new Array(200_000).fill(1)];
  const pick = <T>(l: readonly T[]): T => l[Math.floor(rnd() * l.length)]!;
  const mutate = (v: unknown, depth: number): unknown => {
    if (depth > 6 || rnd() < 0.1) return pick(atoms);
    if (Array.isArray(v)) return rnd() < 0.1 ? [] : v.map((x) => mutate(x, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rnd() < 0.25 ? pick(atoms) : mutate(x, depth + 1)]));
    return rnd() < 0.6 ? v : pick(atoms);
  };
  const refused = new Map<string, number>();
  for (let i = 0; i < 4000; i++) {
    const msg = rnd() < 0.1 ? pick(atoms) : mutate(pick(SAMPLES), 0);
    for (const [name, parse] of PARSERS) {
      try {
        parse(msg);
      } catch (e) {
        assert.ok(e instanceof ProtocolError, `${name} threw ${String(e)} for ${shown(msg)}`);
        assert.ok(e.message.length < 400, `${name}: a short message (${e.message.length} characters)`);
        refused.set(name, (refused.get(name) ?? 0) + 1);
      }
    }
  }
  for (const [name] of PARSERS) assert.ok((refused.get(name) ?? 0) > 500, `${name} refuses most garbage (${refused.get(name) ?? 0} of 4000)`);
});

test('error messages quote what arrived, whatever it is', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(shown(undefined), 'nothing');
  assert.equal(shown(10n), '10n');
  assert.equal(shown(cyclic), '[object Object]');
  assert.equal(shown('y'.repeat(100)), `"${'y'.repeat(59)}…`);
  assert.throws(() => parseWorkerRequest({ type: 'lines', id: 10n }), /lines message\.id: expected an integer ≥ 0, got 10n/);
});
