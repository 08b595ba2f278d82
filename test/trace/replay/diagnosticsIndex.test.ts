// Hover and go-to-definition ask for one line's diagnostics per request: the engine answers from
// an index built once, in the same order as the full sorted list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, fixture } from './fixtures.js';

for (const name of ['reset-lost-maps.log', 'parse-error.log']) {
  test(`diagnosticsAt(line) is the line's slice of diagnostics(), for every line (${name})`, async () => {
    const engine = await analyze(fixture(name));
    const all = engine.diagnostics();
    assert.ok(all.length > 0);
    const lines = Math.max(...all.map((d) => d.line)) + 2;
    for (let line = 0; line <= lines; line++) assert.deepEqual([...engine.diagnosticsAt(line)], all.filter((d) => d.line === line), `line ${line}`);
    const first = all[0].line;
    assert.equal(engine.diagnosticsAt(first), engine.diagnosticsAt(first), 'the second request reads the same index (nothing rebuilt or re-sorted)');
  });
}
