// Format matching on hostile input (issue 15): formats with several %s over bodies built from
// their own separators. Small cases are checked against a reference (a lazy regular expression,
// which tries the same splits in the same order); large ones must end with an answer (a match, a
// mismatch at a column, or "too ambiguous"), never backtrack for ever: the test's timeout is the
// hang limit, and the matcher's work is bounded by a fixed multiple of the line length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileEvent, type CompiledEvent } from '../../../src/trace/format/compile.js';
import { seededRandom } from '../../harness/seededRandom.js';

const rng = seededRandom;

const SEPARATORS = [' ', '|', ': ', ' | ', ', '];
const CHARS = [' ', '|', ':', ',', 'a'];

interface Case {
  compiled: CompiledEvent;
  lits: string[];
  format: string;
}

function randomFormat(r: () => number, strings: number): Case {
  const lits = ['', ...Array.from({ length: strings - 1 }, () => SEPARATORS[Math.floor(r() * SEPARATORS.length)]), r() < 0.5 ? '' : '|'];
  let format = lits[0];
  for (let i = 0; i < strings; i++) format += '%s' + lits[i + 1];
  const args = Array.from({ length: strings }, (_, i) => ({ type: 'const char *', name: `s${i}` }));
  return { compiled: compileEvent({ name: 'adversarial', args, format, source: 'test:1' }), lits, format };
}

const reEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The reference: leftmost, each %s as short as the rest allows. */
const reference = (c: Case): RegExp => new RegExp('^' + c.lits.map(reEscape).join('([\\s\\S]*?)') + '$');

test('small bodies: the matcher finds the same split as a lazy regular expression, or none when it has none', () => {
  const r = rng(2024);
  let matched = 0;
  for (let i = 0; i < 3000; i++) {
    const c = randomFormat(r, 1 + Math.floor(r() * 6));
    const len = Math.floor(r() * 16);
    let body = '';
    for (let j = 0; j < len; j++) body += CHARS[Math.floor(r() * CHARS.length)];
    const want = reference(c).exec(body);
    const got = c.compiled.match(body);
    assert.equal(got.ok, want !== null, `${JSON.stringify(c.format)} on ${JSON.stringify(body)}: ${got.ok ? 'matched' : got.reason}`);
    if (got.ok && want) {
      matched++;
      assert.deepEqual(Object.values(got.fields), want.slice(1), `${JSON.stringify(c.format)} on ${JSON.stringify(body)}`);
    }
    assert.equal(c.compiled.accepts(body), want !== null, `accepts() agrees with match() for ${JSON.stringify(c.format)} on ${JSON.stringify(body)}`);
  }
  assert.ok(matched > 300, `the cases exercise matches too (${matched})`);
});

test('large adversarial bodies end with an answer: match, mismatch at a column, or too ambiguous', { timeout: 120_000 }, () => {
  const r = rng(7);
  const bodies = (c: Case, n: number): string[] => {
    const seps = c.lits.filter(Boolean).join('');
    return [
      ' '.repeat(n),
      '|'.repeat(n),
      seps.repeat(Math.ceil(n / Math.max(1, seps.length))).slice(0, n),
      seps.repeat(Math.ceil(n / Math.max(1, seps.length))).slice(0, n) + 'x',
      Array.from({ length: n }, () => CHARS[Math.floor(r() * CHARS.length)]).join(''),
    ];
  };
  for (let i = 0; i < 60; i++) {
    const c = randomFormat(r, 2 + Math.floor(r() * 7));
    for (const body of bodies(c, i % 3 === 0 ? 100_000 : 2_000)) {
      const got = c.compiled.match(body);
      if (got.ok) continue;
      assert.ok(got.index >= 0 && got.index <= body.length, `column ${got.index} inside the body`);
      assert.ok(got.reason.length > 0, 'a reason');
    }
  }
  // issue 15's own case: six %s and a final "|" over blanks, 200 and 1 MiB of them
  const six = fixedFormat('%s %s %s %s %s %s|');
  for (const n of [200, 1 << 20]) {
    const got = six.match(' '.repeat(n));
    assert.equal(got.ok, false);
  }
});

function fixedFormat(format: string): CompiledEvent {
  const n = format.split('%s').length - 1;
  return compileEvent({ name: 'six', args: Array.from({ length: n }, (_, i) => ({ type: 'const char *', name: `s${i}` })), format, source: 'test:1' });
}
