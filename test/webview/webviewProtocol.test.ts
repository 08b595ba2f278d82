// The message checks on both sides of the webview: good messages pass unchanged, garbage gives
// an error naming the field, and nothing anyone can post makes the parser throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFromWebview, parseToWebview } from '../../src/shared/protocol/webview.js';
import type { TranslationView } from '../../src/shared/translationView.js';
import { prng } from '../../src/shared/prng.js';

const view: TranslationView = {
  source: { kind: 'trace', uri: 'file:///t.log', line: 5, lines: 18 },
  sections: [{ id: 'iova', label: 'IOVA trees', children: [{ id: 'm', label: 'IOVA [0x1000, 0x80000fff]', space: 'iova', start: '0x1000', last: '0x80000fff', target: { space: 'hva', start: '0x7f7903e00000' }, perm: 3, createdLine: 5 }] }],
  strips: [{ id: 's', title: 'ASID 0', space: 'iova', start: '0x0', last: '0xffffffffffffffff', segments: [{ start: '0x1000', last: '0x80000fff', label: 'x', nodeId: 'm' }] }],
  notes: [],
};

test('extension → webview: every kind passes as sent', () => {
  for (const msg of [
    { type: 'view', view },
    { type: 'view', view: undefined, reason: 'no trace open' },
    { type: 'resolution', resolution: { query: '0x1010', chains: [[{ space: 'iova', addr: '0x1010', nodeId: 'm' }]], note: 'n' } },
    { type: 'busy', busy: true, message: 'indexing' },
    { type: 'error', message: 'boom' },
  ]) {
    const r = parseToWebview(msg);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.msg, msg);
  }
});

test('webview → extension: every kind passes; the resolve query is trimmed', () => {
  assert.deepEqual(parseFromWebview({ type: 'ready' }), { ok: true, msg: { type: 'ready' } });
  assert.deepEqual(parseFromWebview({ type: 'resolve', query: { addr: ' 0x2000001010 ', space: 'iova', device: '' } }), { ok: true, msg: { type: 'resolve', query: { addr: '0x2000001010', space: 'iova' } } });
  assert.deepEqual(parseFromWebview({ type: 'goToLine', line: 17 }), { ok: true, msg: { type: 'goToLine', line: 17 } });
  assert.deepEqual(parseFromWebview({ type: 'revealLine', line: 3 }), { ok: true, msg: { type: 'revealLine', line: 3 } });
  assert.deepEqual(parseFromWebview({ type: 'openMemory', memoryRef: 'giova:00:03.0:0xffffb000' }), { ok: true, msg: { type: 'openMemory', memoryRef: 'giova:00:03.0:0xffffb000' } });
  assert.deepEqual(parseFromWebview({ type: 'openMemory', memoryRef: 'gpa:0x1000' }), { ok: true, msg: { type: 'openMemory', memoryRef: 'gpa:0x1000' } });
});

test('garbage is an error that says what and where', () => {
  const bad = (data: unknown, side: 'to' | 'from', re: RegExp): void => {
    const r = side === 'to' ? parseToWebview(data) : parseFromWebview(data);
    assert.equal(r.ok, false, JSON.stringify(data));
    if (!r.ok) assert.match(r.error, re);
  };
  bad(null, 'to', /message: expected an object, got null/);
  bad('view', 'to', /expected an object, got "view"/);
  bad({ type: 'paint' }, 'to', /message\.type: unknown message type "paint"/);
  bad({ type: 'view', view: { ...view, sections: [{ id: 'a', label: 7 }] } }, 'to', /message\.view\.sections\[0\]\.label: expected a string, got 7$/);
  bad({ type: 'view', view: { ...view, sections: [{ id: 'a', label: 'x', start: '0x10000000000000000' }] } }, 'to', /sections\[0\]\.start: expected a 64-bit hex address like "0x1000", got "0x10000000000000000"/);
  bad({ type: 'view', view: { ...view, sections: [{ id: 'a', label: 'x', perm: 7 }] } }, 'to', /sections\[0\]\.perm: expected an integer in 0\.\.3/);
  bad({ type: 'view', view: { ...view, strips: [{ ...view.strips[0], last: '0xfff' }] } }, 'to', /segments\[0\]: segment \[0x1000, 0x80000fff\] is not inside the strip \[0x0, 0xfff\]/);
  bad({ type: 'resolution', resolution: { query: 'q', chains: [[{ space: 'phys', addr: '0x1' }]] } }, 'to', /chains\[0\]\[0\]\.space: expected an address space \(gpa, hva, iova, giova\), got "phys"/);
  bad({ type: 'busy', busy: 'yes' }, 'to', /message\.busy: expected a boolean/);
  bad({ type: 'goToLine', line: 0 }, 'from', /message\.line: expected an integer ≥ 1, got 0/);
  bad({ type: 'goToLine', line: 2.5 }, 'from', /message\.line/);
  bad({ type: 'resolve', query: { addr: '' } }, 'from', /message\.query\.addr: empty address/);
  bad({ type: 'resolve', query: { addr: '0x1', space: 'ram' } }, 'from', /message\.query\.space: expected an address space \(gpa, hva, iova, giova\), got "ram"/);
  bad({ type: 'openMemory', memoryRef: 'javascript:alert(1)' }, 'from', /not a space-named memory reference/);
  bad({ type: 'eval', code: '1' }, 'from', /unknown message type "eval"/);
  // nesting beyond any real tree is refused rather than recursed into
  let deep: Record<string, unknown> = { id: 'x', label: 'x' };
  for (let i = 0; i < 50; i++) deep = { id: `n${i}`, label: 'n', children: [deep] };
  bad({ type: 'view', view: { ...view, sections: [deep] } }, 'to', /nested deeper than 32 levels/);
});

test('fuzz: random values and mutated messages never throw', () => {
  const rnd = prng(0x5eed);
  const atoms: unknown[] = [null, undefined, 0, -1, 1.5, NaN, '', 'x', '0x', '0xffffffffffffffffff', true, [], {}, { type: 'view' }, Symbol.iterator];
  const pick = <T>(l: T[]): T => l[Math.floor(rnd() * l.length)];
  const mutate = (v: unknown, depth: number): unknown => {
    if (depth > 4 || rnd() < 0.15) return pick(atoms);
    if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rnd() < 0.3 ? pick(atoms) : mutate(x, depth + 1)]));
    return rnd() < 0.5 ? v : pick(atoms);
  };
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const msg = mutate({ type: pick(['view', 'resolution', 'busy', 'error', 'resolve', 'goToLine', 'openMemory']), view, resolution: { query: 'q', chains: [] }, busy: true, message: 'm', query: { addr: '0x1' }, line: 3, memoryRef: 'gpa:0x1' }, 0);
    const a = parseToWebview(msg);
    const b = parseFromWebview(msg);
    if (!a.ok) rejected++;
    assert.equal(typeof b.ok, 'boolean');
  }
  assert.ok(rejected > 100, `most mutations are rejected (${rejected})`);
});
