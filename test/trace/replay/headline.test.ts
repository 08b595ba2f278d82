import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTraceText } from '../../../src/trace/analyze.js';
import { diagnosticHeadline, problemMessage } from '../../../src/trace/replay/headline.js';

const ROOT = join(__dirname, '../../..');

test('every diagnostic of the samples gets a one-line headline naming its address, shorter than its message', () => {
  for (const f of ['samples/aliased-unmap-svq-legacy.log', 'samples/qemu-7.2-vtd-net/trace.log']) {
    const diags = analyzeTraceText(readFileSync(join(ROOT, f), 'utf8')).diagnostics();
    assert.ok(diags.length > 0, f);
    for (const d of diags) {
      const h = diagnosticHeadline(d);
      assert.ok(!h.includes('\n') && h.length <= 80 && h.length < d.message.length, `${f}:${d.line}: ${h}`);
      assert.match(h, /: (?:guest IOVA|IOVA|GPA|HVA) (?:\[0x[0-9a-f]+, 0x[0-9a-f]+\]|0x[0-9a-f]+)$/, h);
      // the address in the headline is one the message names
      assert.ok(d.message.includes(h.slice(h.indexOf(': ') + 2)), h);
    }
  }
  const legacy = analyzeTraceText(readFileSync(join(ROOT, 'samples/aliased-unmap-svq-legacy.log'), 'utf8')).diagnostics();
  const aliased = legacy.find((d) => d.code === 'aliased-unmap')!;
  assert.equal(diagnosticHeadline(aliased), "Unmap removed another region's mapping: IOVA [0x1000, 0x20fff]");
  assert.equal(problemMessage(diagnosticHeadline(aliased), aliased.message).split('\n')[1], aliased.message);
});
