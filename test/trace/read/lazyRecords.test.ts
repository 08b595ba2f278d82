// The fast reading modes `check` uses (lazy records matched on the line, handled events parsed
// at once, reasons written on demand) must give the records the plain mode gives: same kinds,
// bodies, fields, definitions, columns and reasons, on every fixture and on damaged copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readTraceText } from '../../../src/trace/read/traceReader.js';
import { handledEvents } from '../../../src/trace/replay/handlers.js';
import type { TraceRecord } from '../../../src/trace/types.js';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(log|txt)$/.test(n) ? [p] : [];
  });
}

/** What a consumer can read of a record (getters included), as plain data. */
function view(r: TraceRecord): unknown {
  switch (r.kind) {
    case 'event':
      return { kind: r.kind, line: r.line, offset: r.offset, name: r.name, prefix: r.prefix, body: r.body, fields: r.fields, def: r.def?.source };
    case 'malformed':
      return { kind: r.kind, line: r.line, offset: r.offset, name: r.name, prefix: r.prefix, body: r.body, column: r.column, reason: r.reason };
    case 'text':
      return { ...r };
    case 'blank':
      return { ...r };
  }
}

/** Every third line damaged: cut short, a digit replaced, a field separator dropped. */
function damaged(text: string): string {
  return text
    .split('\n')
    .map((l, i) => (i % 3 !== 0 ? l : i % 2 === 0 ? l.slice(0, Math.floor(l.length * 0.7)) : l.replace(/0x([0-9a-f])/, '0xz$1').replace(': ', ':')))
    .join('\n');
}

test('lazy and eagerly-parsed records read like plain ones on every fixture and damaged copies', () => {
  let records = 0;
  let parsed = 0;
  let malformed = 0;
  for (const file of files(FIXTURES)) {
    const original = readFileSync(file, 'utf8');
    for (const text of [original, damaged(original)]) {
      const plain = readTraceText(text).map(view);
      const lazy = readTraceText(text, { lazyFields: true }).map(view);
      const eager = readTraceText(text, { lazyFields: true, eagerFields: handledEvents }).map(view);
      assert.deepEqual(lazy, plain, `lazy records of ${file}`);
      assert.deepEqual(eager, plain, `eagerly parsed records of ${file}`);
      records += plain.length;
      for (const r of plain as { kind: string; fields?: unknown }[]) {
        if (r.kind === 'malformed') malformed++;
        if (r.kind === 'event' && r.fields) parsed++;
      }
    }
  }
  assert.ok(parsed > 1000 && malformed > 100, `${parsed} parsed events, ${malformed} malformed of ${records}`);
});
