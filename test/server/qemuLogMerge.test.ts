// The language server merges QEMU's log into a trace document like the CLI's --qemu-log; with no
// setting it picks the file next to the trace (<trace>.qemu.log, else qemu-stderr.log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildTraceIndex } from '../../src/server/traceIndex.js';
import { parseQemuLog, siblingQemuLog } from '../../src/trace/qemuLog.js';

const fx = (n: string) => resolve('test/fixtures/traces', n);

test('a trace document with its QEMU log: the refused maps are explained at their lines, as with check --qemu-log', () => {
  const text = readFileSync(fx('siwei-orphan-svq-trace-only.log'), 'utf8');
  const log = parseQemuLog(readFileSync(fx('siwei-orphan-svq.qemu-stderr.log'), 'utf8'), 'qemu-stderr.log');
  const withLog = buildTraceIndex('file:///t/trace.log', text, { qemuLog: (uri) => (uri === 'file:///t/trace.log' ? log : undefined) });
  const codes = withLog.engine.diagnostics().map((d) => `${d.code} ${d.line}`);
  assert.deepEqual(codes.filter((c) => c.startsWith('map-')), ['map-failed 21', 'map-failed 25']);
  const without = buildTraceIndex('file:///t/trace.log', text);
  assert.deepEqual(without.engine.diagnostics().filter((d) => d.code.startsWith('map-')).map((d) => `${d.code} ${d.line}`).slice(0, 1), ['map-over-orphan 21']);
});

test('sibling rule: <trace>.qemu.log first, then qemu-stderr.log in the folder, else none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-qlog-'));
  const trace = join(dir, 'trace.log');
  writeFileSync(trace, '');
  assert.equal(await siblingQemuLog(trace), undefined);
  writeFileSync(join(dir, 'qemu-stderr.log'), '');
  assert.equal(await siblingQemuLog(trace), join(dir, 'qemu-stderr.log'));
  writeFileSync(`${trace}.qemu.log`, '');
  assert.equal(await siblingQemuLog(trace), `${trace}.qemu.log`);
});
