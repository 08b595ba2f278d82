// The receiving side of the adapter's custom events: well-formed bodies come back typed, anything
// else is refused with a message naming the event and the JSON path of the first bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATUS_EVENT, VIEW_EVENT, isDebugEventName, parseDebugEvent } from '../../src/shared/protocol/debugEvents.js';
import { ProtocolError } from '../../src/shared/protocol/check.js';
import type { TranslationView } from '../../src/shared/translationView.js';

const view = (): TranslationView => ({
  source: { kind: 'debug', sessionId: 'abc', name: 'Attach to QEMU', stoppedAt: 'pause' },
  sections: [
    {
      id: 'mem',
      label: 'Guest memory',
      children: [{ id: 'mem/0x0/pc.ram', label: 'pc.ram', space: 'gpa', start: '0x0', last: '0x9ffff', target: { space: 'hva', start: '0x7f1200000000' }, memoryRef: 'gpa:0x0' }],
    },
    { id: 'trace', label: 'IOTLB', children: [{ id: 't/1', label: 'm', space: 'iova', start: '0x1000', last: '0xffffffffffffffff', perm: 3, createdLine: 12, owner: 'SVQ ring' }] },
  ],
  strips: [{ id: 'strip/gpa', title: 'GPA', space: 'gpa', start: '0x0', last: '0x9ffff', segments: [{ start: '0x0', last: '0x9ffff', label: 'pc.ram', nodeId: 'mem/0x0/pc.ram' }] }],
  notes: ['no trace attached'],
});

test('a view and a status event parse back to what was sent', () => {
  const v = view();
  assert.deepEqual(parseDebugEvent(VIEW_EVENT, JSON.parse(JSON.stringify({ view: v }))), { event: VIEW_EVENT, body: { view: v } });
  assert.deepEqual(parseDebugEvent(STATUS_EVENT, { state: 'stopped', reason: 'step' }), { event: STATUS_EVENT, body: { state: 'stopped', reason: 'step' } });
  assert.deepEqual(parseDebugEvent(STATUS_EVENT, { state: 'running' }), { event: STATUS_EVENT, body: { state: 'running' } });
  assert.equal(isDebugEventName('iovaLens/view'), true);
  assert.equal(isDebugEventName('output'), false);
});

test('garbage is refused with the event name, the path of the bad field and what was expected', () => {
  const bad = (event: string, body: unknown, re: RegExp): void => {
    assert.throws(() => parseDebugEvent(event, body), (e: unknown) => e instanceof ProtocolError && re.test(e.message), `${event} ${JSON.stringify(body)}`);
  };
  bad('iovaLens/nonsense', {}, /unknown IOVA Lens debug event "iovaLens\/nonsense" \(known: iovaLens\/view, iovaLens\/status\)/);
  bad(VIEW_EVENT, null, /^iovaLens\/view: body: expected an object, got null$/);
  bad(VIEW_EVENT, 'view', /body: expected an object, got "view"/);
  bad(VIEW_EVENT, {}, /body\.view: expected an object, got nothing/);
  bad(STATUS_EVENT, { state: 'paused' }, /^iovaLens\/status: body\.state: expected "running", "stopped" or "exited", got "paused"$/);
  bad(STATUS_EVENT, { state: 'exited', reason: 7 }, /body\.reason: expected a string, got 7/);

  const withNode = (patch: Record<string, unknown>): unknown => {
    const v = view() as unknown as { sections: { children: Record<string, unknown>[] }[] };
    Object.assign(v.sections[0]!.children[0]!, patch);
    return { view: v };
  };
  // Addresses must stay exact: a JSON number above 2^53 would already be rounded.
  bad(VIEW_EVENT, withNode({ start: 4096 }), /body\.view\.sections\[0\]\.children\[0\]\.start: expected a 64-bit hex address like "0x1000", got 4096/);
  bad(VIEW_EVENT, withNode({ last: '0x1ffffffffffffffff' }), /children\[0\]\.last: expected a 64-bit hex address/);
  bad(VIEW_EVENT, withNode({ space: 'ram' }), /children\[0\]\.space: expected an address space \(gpa, hva, iova, giova\), got "ram"/);
  bad(VIEW_EVENT, withNode({ perm: 4 }), /children\[0\]\.perm: expected an integer in 0\.\.3, got 4/);
  bad(VIEW_EVENT, withNode({ id: undefined }), /children\[0\]\.id: expected a string, got nothing/);
  bad(VIEW_EVENT, withNode({ last: undefined }), /children\[0\]: expected space, start and last together/);
  bad(VIEW_EVENT, withNode({ target: { space: 'hva' } }), /children\[0\]\.target\.start: expected a 64-bit hex address/);
  bad(VIEW_EVENT, withNode({ children: {} }), /children\[0\]\.children: expected an array, got \{\}/);

  const v = view() as unknown as Record<string, unknown>;
  bad(VIEW_EVENT, { view: { ...v, source: { kind: 'live' } } }, /body\.view\.source\.kind: expected "trace" or "debug", got "live"/);
  bad(VIEW_EVENT, { view: { ...v, strips: [{ id: 's', title: 't', space: 'gpa', start: '0x0', last: '0x1', segments: [{ start: '0x0', last: '0x1', label: 'x' }] }] } }, /strips\[0\]\.segments\[0\]\.nodeId: expected a string/);
  bad(VIEW_EVENT, { view: { ...v, notes: [1] } }, /body\.view\.notes\[0\]: expected a string, got 1/);
});

test('a deeply nested hostile body is refused early, with a short message', () => {
  type N = { id: string; label: string; children?: N[] };
  const root: N = { id: 'r', label: 'r' };
  let n = root;
  for (let i = 0; i < 100_000; i++) {
    const c: N = { id: `n${i}`, label: 'x' };
    n.children = [c];
    n = c;
  }
  assert.throws(() => parseDebugEvent(VIEW_EVENT, { view: { ...view(), sections: [root] } }), /: iovaLens\/view: body\.view\.sections\[0\]\.children.{0,80}…: nodes nested deeper than 32 levels$/);
});
