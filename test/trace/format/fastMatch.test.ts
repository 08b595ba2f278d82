// The straight-line matcher (fastMatch.ts) must answer exactly as the general one: same
// accept/reject, same fields, same failure column and reason. Both are run on every event body of
// the fixtures, on bodies rendered from every built-in format, and on mutations of all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileEvent, type CompiledEvent, type MatchResult } from '../../../src/trace/format/compile.js';
import { renderEventBody } from '../../../src/trace/format/render.js';
import { argKind } from '../../../src/trace/format/printfSpec.js';
import { builtinEventDefs } from '../../../src/trace/catalog/eventCatalog.js';
import { readTraceText } from '../../../src/trace/read/traceReader.js';
import type { EventDef, FieldValue } from '../../../src/trace/types.js';
import { seededRandom } from '../../harness/seededRandom.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(log|txt)$/.test(n) ? [p] : [];
  });
}

const rng = seededRandom;

const pairs = builtinEventDefs().map((def) => ({ def, fast: compileEvent(def), slow: compileEvent(def, { fastPath: false }) }));
const byName = new Map<string, { def: EventDef; fast: CompiledEvent; slow: CompiledEvent }[]>();
for (const p of pairs) byName.set(p.def.name, [...(byName.get(p.def.name) ?? []), p]);

const plain = (r: MatchResult) => (r.ok ? { ok: true, fields: r.fields } : { ok: false, index: r.index, reason: r.reason });

let compared = 0;
let accepted = 0;
function same(p: { def: EventDef; fast: CompiledEvent; slow: CompiledEvent }, body: string): void {
  const f = plain(p.fast.match(body));
  const s = plain(p.slow.match(body));
  assert.deepEqual(plain(p.fast.explain(body)), s, `explain() of ${p.def.source} on ${JSON.stringify(body)}`);
  assert.deepEqual(f, s, `${p.def.source} on ${JSON.stringify(body)}`);
  assert.equal(p.fast.test(body), p.slow.test(body), `test() of ${p.def.source} on ${JSON.stringify(body)}`);
  assert.equal(p.fast.accepts(body), s.ok, `accepts() of ${p.def.source} on ${JSON.stringify(body)}`);
  // the same body inside a line (what the reader passes), for both matchers
  const line = `1@2.3:${p.def.name} ${body}`;
  const at = line.length - body.length;
  for (const c of [p.fast, p.slow]) {
    assert.equal(c.acceptsAt(line, at), s.ok, `acceptsAt() of ${p.def.source} on ${JSON.stringify(line)}`);
    assert.deepEqual(c.fieldsAt(line, at), s.ok ? s.fields : undefined, `fieldsAt() of ${p.def.source} on ${JSON.stringify(line)}`);
  }
  compared++;
  if (s.ok) accepted++;
}

function mutations(body: string, r: () => number): string[] {
  const at = () => Math.floor(r() * (body.length + 1));
  const i = at();
  return [
    body.slice(0, i),
    body + ' ',
    body.slice(0, i) + String.fromCharCode(32 + Math.floor(r() * 95)) + body.slice(i + 1),
    body.slice(0, i) + body.slice(i + 1),
    body.replace(/0x[0-9a-f]+/, '0x' + 'f'.repeat(1 + Math.floor(r() * 20))),
    body.replace(/0x[0-9a-f]+/, '0X1' + '0'.repeat(Math.floor(r() * 18))),
    body.replace(/\b\d+\b/, String(2 ** 53 + Math.floor(r() * 1000))),
    body.replace(/\b\d+\b/, '-' + Math.floor(r() * 300)),
    body.replace(/0x[0-9a-f]+/, '(nil)'),
    body.replace(/ /g, '  '),
    body.replace(/: /, ':'),
  ];
}

test('the fast matcher answers like the general one on every fixture event body and its mutations', () => {
  const r = rng(2024);
  let bodies = 0;
  for (const file of files(FIXTURES)) {
    for (const rec of readTraceText(readFileSync(file, 'utf8'))) {
      if (rec.kind !== 'event' && rec.kind !== 'malformed') continue;
      const defs = byName.get(rec.name);
      if (!defs) continue;
      bodies++;
      for (const p of defs) {
        same(p, rec.body);
        if (bodies % 7 === 0) for (const m of mutations(rec.body, r)) same(p, m);
      }
    }
  }
  assert.ok(bodies > 1000, `only ${bodies} event bodies in the fixtures`);
});

test('the fast matcher answers like the general one on every built-in format, with edge values', () => {
  const r = rng(7);
  const values = (def: EventDef, pick: number): Record<string, FieldValue> => {
    const out: Record<string, FieldValue> = {};
    for (const a of def.args) {
      const k = argKind(a.type);
      if (k === 'string') out[a.name] = ['', 'x', 'a b', '(nil)'][pick % 4];
      else if (k === 'u64') out[a.name] = [0n, 1n, 0xffffffffffffffffn, 2n ** 53n + 1n, 0x7f00deadb000n][pick % 5];
      else if (k === 'bool') out[a.name] = pick % 2 === 0;
      else out[a.name] = [0, 1, 255, 65535, 4294967295, 7][pick % 6];
    }
    return out;
  };
  for (const p of pairs) {
    for (let pick = 0; pick < 6; pick++) {
      const body = renderEventBody(p.def, values(p.def, pick));
      same(p, body);
      for (const m of mutations(body, r)) same(p, m);
    }
  }
  // both verdicts were exercised, many times
  assert.ok(accepted > 1000 && compared - accepted > 1000, `${accepted} accepted of ${compared}`);
});
