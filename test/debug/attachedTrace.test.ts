// The trace attached to a debug session: replayed once, its tables grouped per device then per
// ASID, every mapping citing the line that created it; unreadable input becomes messages that
// name the file (and line), never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupTables, loadAttachedTrace, mappingName, mappingValue } from '../../src/debug/attachedTrace.js';
import type { TableState } from '../../src/trace/replay/engine.js';

const SVQ = 'samples/aliased-unmap-svq-fixed.log';

test('a vDPA trace: one device, its ASID table first, each dma_map mapping with the line that made it', async () => {
  const { trace, messages } = await loadAttachedTrace(SVQ, undefined);
  assert.ok(trace, messages.join('\n'));
  const lines = readFileSync(SVQ, 'utf8').replace(/\n$/, '').split('\n');
  assert.equal(trace.line, lines.length);
  assert.equal(trace.fileName, 'aliased-unmap-svq-fixed.log');
  assert.deepEqual(trace.devices.map((d) => d.label), ['vdpa 0x55d2c1a4e2b0']);
  const [asid0, sections] = trace.devices[0]!.tables;
  assert.deepEqual([asid0!.label, sections!.label], ['ASID 0', 'listener sections']);
  assert.ok(asid0!.mappings.length >= 2);
  for (const m of asid0!.mappings) {
    const text = lines[m.createdLine - 1]!;
    const t = /vhost_vdpa_dma_map .* asid: 0 iova: (0x[0-9a-f]+) size: (0x[0-9a-f]+) uaddr: (0x[0-9a-f]+) perm: 0x3/.exec(text);
    assert.ok(t, `line ${m.createdLine} maps in ASID 0: ${text}`);
    // The trace's size is a length; DMAMap's last is inclusive.
    assert.equal(mappingName(m, asid0!), `iova ${t[1]}-0x${(BigInt(t[1]!) + BigInt(t[2]!) - 1n).toString(16)}`);
    assert.match(mappingValue(m, asid0!, trace.fileName), new RegExp(`^-> hva ${t[3]} rw .*\\(aliased-unmap-svq-fixed\\.log:${m.createdLine}\\)$`));
  }
});

test('tables group per device (BDF or pointer), ASIDs in order, tables without an ASID after them', () => {
  const table = (id: number, label: string, owner: string, extra: object = {}): TableState => ({
    table: { id, kind: 'iotlb', label, keySpace: 'iova', targetSpace: 'hva', owner, ...extra },
    mappings: [],
  });
  const groups = groupTables([
    table(0, 'vdpa 0xa listener sections', '0xa', { kind: 'section' }),
    table(1, 'vdpa 0xa ASID 1', '0xa', { asid: 1 }),
    table(2, 'vIOMMU 00:03.0', '00:03.0', { kind: 'viommu', device: '00:03.0' }),
    table(3, 'vdpa 0xa ASID 0', '0xa', { asid: 0 }),
    table(4, 'vhost memory table vhost', 'vhost', { kind: 'mem-table' }),
  ]);
  assert.deepEqual(
    groups.map((g) => [g.label, g.tables.map((t) => t.label)]),
    [
      ['vdpa 0xa', ['ASID 0', 'ASID 1', 'listener sections']],
      ['vIOMMU 00:03.0', ['vIOMMU translations']],
      ['vhost memory table vhost', ['memory table']],
    ],
  );
});

test('a missing trace or a bad trace-events file: messages naming the file (and line), no exception', async () => {
  const missing = await loadAttachedTrace('/nonexistent/dir/trace.log', undefined);
  assert.equal(missing.trace, undefined);
  assert.match(missing.messages.join('\n'), /^\/nonexistent\/dir\/trace\.log: cannot analyze the trace: cannot read \/nonexistent\/dir\/trace\.log: ENOENT/);

  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-events-'));
  try {
    const events = join(dir, 'trace-events');
    writeFileSync(events, 'vhost_vdpa_dma_map(void *v) "v %p"\nthis is not an event definition\n');
    const r = await loadAttachedTrace(SVQ, [events]);
    assert.ok(r.messages.some((m) => m.startsWith(`${events}:2`)), r.messages.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the configured layout is the one the attached trace is replayed with', async () => {
  const LEGACY = 'samples/aliased-unmap-svq-legacy.log';
  const divergence = (messages: string[]): string[] => messages.filter((m) => /allocator \(current layout\)/.test(m));
  // a QEMU 7.2 trace: the legacy tree explains its IOVAs, the current allocator does not
  assert.deepEqual(divergence((await loadAttachedTrace(LEGACY, undefined, 'legacy')).messages), []);
  assert.deepEqual(divergence((await loadAttachedTrace(LEGACY, undefined, 'auto')).messages), []);
  const forced = divergence((await loadAttachedTrace(LEGACY, undefined, 'current')).messages);
  assert.equal(forced.length, 1, 'forcing the current layout reports the divergence');
  assert.match(forced[0]!, /^samples\/aliased-unmap-svq-legacy\.log:17: warning: /);
});
