// The byte-level reader (byteEvents.ts, byteMatch.ts) must agree with the string path
// (logLine.ts) on every line it answers for: same event, same definition, same fields. The
// replay fed through it must give the same diagnostics and summary as the replay fed records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EventCatalog } from '../../../src/trace/catalog/eventCatalog.js';
import { ByteEventScanner } from '../../../src/trace/read/byteEvents.js';
import { createLineClassifier } from '../../../src/trace/read/logLine.js';
import { TraceDecoder } from '../../../src/trace/read/traceReader.js';
import { handledEvents } from '../../../src/trace/replay/handlers.js';
import { TraceEngine } from '../../../src/trace/replay/engine.js';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { seededRandom } from '../../harness/seededRandom.js';

const FIXTURES = [join(__dirname, '..', '..', 'fixtures'), join(__dirname, '..', '..', '..', 'samples')];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(log|txt|trace|qtrace)$/.test(n) ? [p] : [];
  });
}

const rng = seededRandom;

function variants(line: string, r: () => number): string[] {
  const i = Math.floor(r() * (line.length + 1));
  const bare = line.replace(/^\d+@\d+\.\d+:/, '');
  return [
    line,
    bare,
    `4242@1700000000.000001:${bare}`,
    `42@17.:${bare}`,
    `@1.2:${bare}`,
    `1@2.3 ${bare}`,
    ` ${bare}`,
    `> ${bare}`,
    bare.replace(' ', '  '),
    bare.replace(' ', '\t'),
    bare + ' ',
    bare.slice(0, i),
    bare.slice(0, i) + String.fromCharCode(32 + Math.floor(r() * 95)) + bare.slice(i + 1),
    bare.replace(/0x[0-9a-f]+/, '0x' + 'f'.repeat(1 + Math.floor(r() * 20))),
    bare.replace(/\b\d+\b/, String(2 ** 53 + Math.floor(r() * 1000))),
    bare.replace(/0x[0-9a-f]+/, '(nil)'),
  ];
}

for (const [label, catalog] of [
  ['built-in catalog', EventCatalog.builtin()],
  ['vtdDecimalDomain catalog', EventCatalog.builtin({ vtdDecimalDomain: true })],
] as const) {
  test(`the byte reader answers like the string path on every fixture line and its variants (${label})`, () => {
    const scanner = new ByteEventScanner(catalog, handledEvents);
    const classify = createLineClassifier(catalog, { lazyFields: true, eagerFields: handledEvents });
    const r = rng(99);
    let answered = 0;
    let plainEvents = 0;
    let checked = 0;
    for (const file of FIXTURES.flatMap(files)) {
      for (const fileLine of readFileSync(file, 'utf8').split('\n')) {
        const line = fileLine.replace(/\r$/, '');
        if (/[\u0080-\uffff]/.test(line)) continue;
        for (const text of checked % 5 === 0 ? variants(line, r) : [line]) {
          checked++;
          const buf = Buffer.from('\n' + text + '\n', 'latin1');
          const ev = scanner.line(buf, 1, buf.length - 1);
          const rec = classify(text, 1, 0);
          if (rec.kind === 'event' && rec.def !== undefined && rec.prefix?.comm === undefined && /^(\d+@\d+\.\d+:)?[a-z]/.test(text)) plainEvents++;
          if (ev === undefined) continue;
          answered++;
          assert.equal(rec.kind, 'event', `string path says ${rec.kind} for ${JSON.stringify(text)}`);
          if (rec.kind !== 'event') continue;
          assert.equal(ev.name, rec.name, text);
          assert.equal(ev.event.def, rec.def, `definition for ${JSON.stringify(text)}`);
          assert.equal(ev.bodyStart - 1, text.length - rec.body.length, `body start of ${JSON.stringify(text)}`);
          if (handledEvents.has(ev.name)) assert.deepEqual(ev.fields, rec.fields, `fields of ${JSON.stringify(text)}`);
          else assert.equal(ev.fields, undefined);
        }
      }
    }
    // it must answer for the plain lines that make up real traces, not leave them all to the string path
    assert.ok(plainEvents > 1000, `only ${plainEvents} plain event lines`);
    assert.ok(answered > 0.8 * plainEvents, `byte reader answered ${answered} of ${plainEvents} plain event lines`);
  });
}

/** The replay fed records only (the string path for every line), as before the byte reader. */
function replayByRecords(text: string): TraceEngine {
  const engine = new TraceEngine();
  const d = new TraceDecoder((rec) => engine.push(rec), { catalog: EventCatalog.builtin(), lazyFields: true, eagerFields: handledEvents });
  d.push(Buffer.from(text, 'utf8'));
  d.end();
  engine.finish();
  return engine;
}

test('the replay through the byte reader gives the diagnostics and summary of the replay through records, on every fixture', () => {
  let files_ = 0;
  for (const file of FIXTURES.flatMap(files)) {
    const text = readFileSync(file, 'utf8');
    const a = analyzeTraceText(text);
    const b = replayByRecords(text);
    assert.deepEqual(a.diagnostics(), b.diagnostics(), file);
    assert.deepEqual(a.summary(), b.summary(), file);
    files_++;
  }
  assert.ok(files_ > 20, `${files_} fixture files`);
});

test('a soft-wrapped line is joined before the byte reader sees its continuation', () => {
  // the first half ends with a space and is malformed alone: it is held and joined with the next line
  const whole = 'vhost_vdpa_dma_unmap vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 type: 3';
  const cut = whole.indexOf('iova:');
  const text = `vhost_vdpa_dma_map vdpa_shared:0x55d2c1a4e2b0 fd: 16 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 uaddr: 0x7f0000000000 perm: 0x3 type: 2\n${whole.slice(0, cut)}\n${whole.slice(cut)}\n`;
  const a = analyzeTraceText(text);
  const b = replayByRecords(text);
  assert.deepEqual(a.diagnostics(), b.diagnostics());
  assert.deepEqual(a.summary(), b.summary());
  assert.equal(a.summary().byEvent.get('vhost_vdpa_dma_unmap'), 1);
});

/** The replay fed through the byte reader, the bytes pushed in chunks of `chunk` (lines cross chunk ends). */
function replayByBytes(bytes: Buffer, chunk: number): TraceEngine {
  const engine = new TraceEngine();
  const d = new TraceDecoder((rec) => engine.push(rec), {
    catalog: EventCatalog.builtin(),
    lazyFields: true,
    eagerFields: handledEvents,
    onMatchedEvent: (line, ev) => engine.pushMatched(line, ev.name, ev.fields),
  });
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk));
  d.end();
  engine.finish();
  return engine;
}

test('CRLF line ends, a byte-order mark, non-ASCII lines and lines across chunk ends read the same through the byte reader', () => {
  const text = readFileSync(join(FIXTURES[1], 'qemu-7.2-vtd-net', 'trace.log'), 'utf8');
  const lines = text.split('\n');
  // a non-ASCII line in the middle makes its chunks take the string path; the rest do not
  lines.splice(Math.floor(lines.length / 2), 0, 'QEMU: qemu-system-x86_64: vhost_vdpa: ünexpected – reply');
  const crlf = '\ufeff' + lines.join('\r\n');
  const expected = replayByRecords(crlf);
  for (const chunk of [61, 4096, 1 << 20]) {
    const got = replayByBytes(Buffer.from(crlf, 'utf8'), chunk);
    assert.deepEqual(got.diagnostics(), expected.diagnostics(), `chunks of ${chunk}`);
    assert.deepEqual(got.summary(), expected.summary(), `chunks of ${chunk}`);
  }
  assert.ok(expected.summary().events > 1000, `${expected.summary().events} events`);
});
