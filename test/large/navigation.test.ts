// Hover and go-to-definition in the trace viewer say what the language server says on the same
// file: every address field of the samples is compared, and the two stories users check by
// hand are asserted on their own (the aliasing unmap, the GPA of a VT-d translation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { LargeTrace } from '../../src/large/largeTrace.js';
import { hover as serverHover } from '../../src/server/hover.js';
import { readable, linesOf } from '../server/fixtures.js';
import { definition as serverDefinition } from '../../src/server/definition.js';
import { buildTraceIndex, type TraceIndex } from '../../src/server/traceIndex.js';
import { resolveRequest, stateAt } from '../../src/server/requests.js';
import { build } from 'esbuild';
import { samplePath, sampleText } from './helpers.js';

async function both(name: string): Promise<{ large: LargeTrace; index: TraceIndex; lines: string[] }> {
  const uri = pathToFileURL(samplePath(name)).toString();
  const large = await LargeTrace.open(samplePath(name), { uri, stride: 16 });
  const index = buildTraceIndex(uri, sampleText(name));
  return { large, index, lines: linesOf(index) };
}

/** Every (line, column) at the start of an address field, as the server places fields. */
function addressPositions(index: TraceIndex, every = 1): { line: number; column: number }[] {
  const out: { line: number; column: number }[] = [];
  for (let l = 0; l < index.lineCount; l += every) for (const f of index.fields(l)) if (f.address) out.push({ line: l + 1, column: f.start });
  return out;
}

for (const [name, every] of [['aliased-unmap-svq-legacy.log', 1], ['aliased-unmap-svq-fixed.log', 1], ['qemu-7.2-vtd-net/trace.log', 3]] as const) {
  test(`${name}: hover and definition on every address field match the language server`, async () => {
    const { large, index } = await both(name);
    try {
      const positions = addressPositions(index, every);
      assert.ok(positions.length > 10, `only ${positions.length} address fields found`);
      for (const p of positions) {
        const want = serverHover(index, { line: p.line - 1, character: p.column }, { fullDiagnostics: true });
        const got = await large.hover(p.line, p.column);
        assert.equal(got?.markdown, (want?.contents as { value: string } | undefined)?.value, `hover at line ${p.line} column ${p.column}`);
        assert.equal(got?.start, want?.range?.start.character);
        const wantDef = serverDefinition(index, { line: p.line - 1, character: p.column }).map((l) => l.range.start.line + 1);
        assert.deepEqual(await large.definition(p.line, p.column), wantDef, `definition at line ${p.line} column ${p.column}`);
      }
      // event names too (their hover is the definition and effect)
      const ev = index.eventAt(0)!;
      assert.equal((await large.hover(1, ev.nameStart))?.markdown, (serverHover(index, { line: 0, character: ev.nameStart })?.contents as { value: string }).value);
    } finally {
      await large.close();
    }
  });
}

test('legacy SVQ sample: the unmap line hover explains the aliasing bug, definition leads to the map it removed', async () => {
  const { large, lines } = await both('aliased-unmap-svq-legacy.log');
  try {
    const col = lines[16].indexOf('0x1000 size');
    const h = await large.hover(17, col);
    assert.ok(h);
    const read = readable(h.markdown);
    assert.match(read, /This line removes the mapping:\*\*\n- IOVA \[0x1000, 0x80000fff\][^\n]*GPA \[0x0, 0x7fffffff\]/);
    // the viewer has no Problems part: its hover carries the whole message after the headline
    assert.match(read, /error `aliased-unmap`: Unmap removed another region's mapping: IOVA \[0x1000, 0x20fff\] — dma_unmap IOVA \[0x1000, 0x20fff\][^\n]*should have been this region's own map at IOVA \[0x2000001000, 0x2000020fff\]/);
    assert.deepEqual(await large.definition(17, col), [5]);
    const d = large.diagnostics(17, 17);
    assert.deepEqual(d.map((x) => x.code), ['aliased-unmap']);
  } finally {
    await large.close();
  }
});

test('VT-d sample: hover on a vtd_dmar_translate iova gives the GPA QEMU printed on that line', async () => {
  const { large, lines } = await both('qemu-7.2-vtd-net/trace.log');
  try {
    let checked = 0;
    for (let i = 0; i < lines.length && checked < 40; i++) {
      const m = /^vtd_dmar_translate dev \S+ iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)$/.exec(lines[i]);
      if (!m) continue;
      const iova = BigInt(m[1]);
      const mask = BigInt(m[3]);
      // the page's GPA plus the offset of the iova inside the page
      const gpa = (BigInt(m[2]) & ~mask) + (iova & mask);
      const h = await large.hover(i + 1, lines[i].indexOf(m[1]));
      assert.ok(h, `no hover on line ${i + 1}`);
      const asOf = h.markdown.slice(h.markdown.indexOf('**As of'));
      assert.match(asOf, new RegExp(`^1\\. guest IOVA \`${m[1]}\``, 'm'), `line ${i + 1}`);
      assert.match(asOf, new RegExp(`^2\\. GPA \`0x${gpa.toString(16)}\``, 'm'), `line ${i + 1}: ${asOf}`);
      checked++;
    }
    assert.equal(checked, 40);
  } finally {
    await large.close();
  }
});

test('stateAt and resolve through the worker protocol answer as the language server requests do', async () => {
  const { large, index } = await both('aliased-unmap-svq-legacy.log');
  try {
    for (const line of [4, 5, 16, 17, 18]) assert.deepEqual(await large.stateAtWire(line), stateAt(index, line), `stateAt ${line}`);
    const p = { space: 'iova' as const, addr: '0x1000', line: 16, asid: 0 };
    assert.deepEqual(await large.resolveWire(p), resolveRequest(index, { ...p, uri: index.uri }));
    assert.match((await large.resolveWire({ ...p, line: 17 })).error ?? '', /0x1000 is not mapped in IOVA ASID 0 at line 17/);
    await assert.rejects(large.resolveWire({ ...p, addr: 'zz' }), /iova address "zz" is not a 64-bit address/);
    await assert.rejects(large.stateAtWire(19), /line 19 is outside/);
  } finally {
    await large.close();
  }
});

test('the worker bundle carries no language-server runtime (only its pure helpers)', async () => {
  const r = await build({ entryPoints: ['src/large/worker.ts'], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent', metafile: true });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(inputs.some((i) => i.includes('src/server/hover.ts')), 'the server hover is reused');
  assert.deepEqual(inputs.filter((i) => /node_modules\/(vscode-languageserver|vscode-jsonrpc|vscode)\//.test(i) || i.includes('src/server/diagnostics.ts')), []);
});
