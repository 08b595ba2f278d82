// A bug inside a replay handler is IOVA Lens's fault, not the trace's: it is reported as an
// internal error naming the event and the line, and the replay goes on with the next line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readTraceText } from '../../../src/trace/read/traceReader.js';
import { TraceEngine } from '../../../src/trace/replay/engine.js';
import { handlers } from '../../../src/trace/replay/handlers.js';
import { fixture } from './fixtures.js';

test('an exception in a handler is an internal-error on its line, not a parse-error; later lines still replay', () => {
  const text = readFileSync(fixture('parse-error-clean.log'), 'utf8');
  const recs = readTraceText(text);
  const maps = recs.filter((r) => r.kind === 'event' && r.name === 'vhost_vdpa_dma_map');
  assert.ok(maps.length >= 2, 'the fixture has several maps');
  const broken = maps[0].line;
  const engine = new TraceEngine({}, {
    ...handlers,
    vhost_vdpa_dma_map: (ctx, ev, f) => {
      if (ctx.line === broken) throw new TypeError('cannot read properties of undefined');
      handlers.vhost_vdpa_dma_map(ctx, ev, f);
    },
  });
  for (const r of recs) engine.push(r);
  engine.finish();
  const diags = engine.diagnostics().filter((d) => d.line === broken);
  assert.equal(diags.length >= 1, true);
  const d = diags.find((x) => x.code === 'internal-error');
  assert.ok(d, `an internal-error at line ${broken}: ${JSON.stringify(engine.diagnostics())}`);
  assert.equal(d.severity, 'error');
  assert.match(d.message, new RegExp(`vhost_vdpa_dma_map at line ${broken}`));
  assert.match(d.message, /bug of IOVA Lens/);
  assert.ok(!engine.diagnostics().some((x) => x.code === 'parse-error'), 'nothing blames the trace text');
  // the other maps of the trace were replayed
  assert.ok(engine.timeline.records.some((r) => r.createdLine === maps[1].line), 'the next map is live');
});
