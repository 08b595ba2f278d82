// The compact line store of an open document: the same lines as splitting the text (CRLF, a
// final newline, empty documents), kinds and event names without records, the records made
// again equal to the ones the builder saw, and a few bytes a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentLines } from '../../src/server/documentLines.js';
import { EventCatalog } from '../../src/trace/catalog/eventCatalog.js';
import { createLineClassifier } from '../../src/trace/read/logLine.js';
import type { TraceRecord } from '../../src/trace/types.js';
import { sampleText } from './fixtures.js';

const classify = createLineClassifier(EventCatalog.builtin());

function fill(text: string): { store: DocumentLines; seen: TraceRecord[] } {
  const store = new DocumentLines(text, classify);
  const seen: TraceRecord[] = [];
  while (store.done < store.count) seen.push(store.next());
  return { store, seen };
}

/** What a reader splitting the text would see. */
function split(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

test('lines are the text split at line breaks: CRLF, final newline, blank lines, empty text', () => {
  for (const text of ['', '\n', 'a', 'a\n', 'a\n\n', '\n\nb', 'a\r\nb\r\n', 'a\rb\n\r\n', 'x\ny\nz']) {
    const { store } = fill(text);
    const got = Array.from({ length: store.count }, (_, l) => store.text(l));
    assert.deepEqual(got, split(text), JSON.stringify(text));
    assert.deepEqual(
      got.map((_, l) => store.length(l)),
      split(text).map((l) => l.length),
    );
  }
  const { store } = fill('a\nb');
  assert.equal(store.text(-1), undefined);
  assert.equal(store.text(2), undefined);
  assert.equal(store.record(2), undefined);
});

test('kinds and event names come from the tags; records made again equal the builder pass', () => {
  const text = sampleText('aliased-unmap-svq-legacy.log') + 'qemu-system-x86_64: a console message\n\nvhost_vdpa_dma_map not a dma map line\n';
  const { store, seen } = fill(text);
  assert.equal(seen.length, store.count);
  const kinds = new Set<string>();
  for (let l = 0; l < store.count; l++) {
    kinds.add(seen[l].kind);
    assert.equal(store.kind(l), seen[l].kind, `line ${l + 1}`);
    assert.equal(store.eventName(l), seen[l].kind === 'event' ? (seen[l] as { name: string }).name : undefined);
    assert.deepEqual(store.record(l), seen[l], `line ${l + 1}`);
  }
  assert.deepEqual([...kinds].sort(), ['blank', 'event', 'malformed', 'text']);
});

test('more distinct event names than the tag table holds are read back from their lines', () => {
  const n = 70000;
  const text = Array.from({ length: n }, (_, i) => `lab_event_${i} x 1`).join('\n');
  const { store } = fill(text);
  assert.equal(store.count, n);
  for (const l of [0, 1, 65531, 65532, 65533, 69999]) assert.equal(store.eventName(l), `lab_event_${l}`, `line ${l + 1}`);
});

test('the store keeps 6 bytes a line beside the text', () => {
  const text = 'vhost_vdpa_dma_unmap vdpa:0x1 fd: 3 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 type: 3\n'.repeat(10000);
  const { store } = fill(text);
  assert.equal(store.count, 10000);
  assert.ok(store.indexBytes <= 6 * store.count + 8, `${store.indexBytes} bytes for ${store.count} lines`);
});
