// Part 4's live additions through the standalone adapter (node dist/debugAdapter.js) against one
// real QEMU 7.2 guest: the attached trace's IOTLB / IOVA-trees scope, the iovaLens/view and
// iovaLens/status events (checked against what QMP tells this test directly), the periodic
// refresh while the guest runs, and instruction stepping of an idle vCPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Guest } from '../harness/guest.js';
import { withSuiteGuest, guestAttachArgs, ROOT, startAdapter, TEST } from './dapHarness.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { STATUS_EVENT, VIEW_EVENT, parseDebugEvent, type StatusEventBody } from '../../src/shared/protocol/debugEvents.js';
import type { TranslationView, ViewNode } from '../../src/shared/translationView.js';
import { systemFlatView } from './flatViewText.js';

const SAMPLE_TRACE = join(ROOT, 'samples/qemu-7.2-vtd-net/trace.log');

let guest: Guest;
withSuiteGuest((g) => (guest = g));

const adapter = startAdapter;
const attachArgs = (over: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments => guestAttachArgs(guest, { name: 'live events test', ...over });

async function children(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

/** Every event of one kind from now on, in order. */
function collect(dc: DebugClient, event: string): DebugProtocol.Event[] {
  const got: DebugProtocol.Event[] = [];
  dc.on(event, (e: DebugProtocol.Event) => got.push(e));
  return got;
}

async function withQmp<T>(fn: (m: QemuMonitor) => Promise<T>): Promise<T> {
  const qmp = await QmpClient.connect(`unix:${guest.qmpPath}`);
  try {
    return await fn(new QemuMonitor(qmp));
  } finally {
    qmp.close();
  }
}

async function viewAfter<T>(dc: DebugClient, action: Promise<T>): Promise<TranslationView> {
  const [e] = await Promise.all([dc.waitForEvent(VIEW_EVENT), action]);
  const parsed = parseDebugEvent(VIEW_EVENT, e.body);
  assert.equal(parsed.event, VIEW_EVENT);
  return (parsed.body as { view: TranslationView }).view;
}

test('attach with a trace: the IOTLB / IOVA trees scope lists its mappings, each citing the trace line that created it', TEST, async () => {
  const dc = await adapter();
  try {
    await dc.attachRequest(attachArgs({ trace: SAMPLE_TRACE }));
    await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]);
    const lines = readFileSync(SAMPLE_TRACE, 'utf8').replace(/\n$/, '').split('\n');
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    const scope = scopes.find((s) => s.name.startsWith('IOTLB / IOVA trees'));
    assert.ok(scope, scopes.map((s) => s.name).join(', '));
    assert.equal(scope.name, `IOTLB / IOVA trees (trace line ${lines.length})`);
    const [device] = await children(dc, scope.variablesReference);
    assert.equal(device!.name, 'vIOMMU 00:02.0');
    const [table] = await children(dc, device!.variablesReference);
    const mappings = await children(dc, table!.variablesReference);
    assert.ok(mappings.length >= 3, JSON.stringify(mappings));
    for (const m of mappings) {
      const range = /^giova (0x[0-9a-f]+)-(0x[0-9a-f]+)$/.exec(m.name);
      const value = /^-> gpa (0x[0-9a-f]+) (rw|ro|wo|none) \(trace\.log:(\d+)\)$/.exec(m.value);
      assert.ok(range && value, `${m.name} = ${m.value}`);
      // The creating line is QEMU's own translation of that page to that GPA.
      const text = lines[Number(value[3]) - 1]!;
      const t = /^vtd_dmar_translate dev 00:02\.00 iova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) mask (0x[0-9a-f]+)$/.exec(text);
      assert.ok(t, `trace.log:${value[3]} is a translation: ${text}`);
      const mask = BigInt(t[3]!);
      assert.equal(BigInt(range[1]!), BigInt(t[1]!) & ~mask);
      assert.equal(BigInt(range[2]!), (BigInt(t[1]!) & ~mask) + mask);
      assert.equal(BigInt(value[1]!), BigInt(t[2]!) & ~mask);
    }
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

test('a trace that cannot be read: the console names the file and why, the session still works', TEST, async () => {
  const dc = await adapter();
  try {
    const out = collect(dc, 'output');
    await dc.attachRequest(attachArgs({ trace: join(guest.dir, 'missing.log') }));
    assert.ok(
      out.some((e) => String(e.body.output).includes(`${join(guest.dir, 'missing.log')}: cannot analyze the trace:`) && /ENOENT|no such file/i.test(String(e.body.output))),
      out.map((e) => e.body.output).join(''),
    );
    const threads = (await dc.threadsRequest()).body.threads;
    assert.ok(threads.length >= 1);
    await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]);
    const scopes = (await dc.scopesRequest({ frameId: 1 })).body.scopes;
    assert.deepEqual(scopes.map((s) => s.name), ['Registers (vCPU 0)', 'Guest memory', 'Virtqueues', 'vIOMMU']);
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

test('after a stop, iovaLens/status says stopped and iovaLens/view shows the Guest memory QEMU reports in info mtree -f', TEST, async () => {
  // QEMU serves one QMP client at a time: ask before the adapter attaches (the map is stable after boot).
  const qemu = systemFlatView(await withQmp((m) => m.hmp('info mtree -f')));
  const dc = await adapter();
  try {
    const statuses = collect(dc, STATUS_EVENT);
    await dc.attachRequest(attachArgs());
    const view = await viewAfter(dc, Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]));
    assert.deepEqual(statuses.map((e) => parseDebugEvent(STATUS_EVENT, e.body).body as StatusEventBody), [{ state: 'running' }, { state: 'stopped', reason: 'pause' }]);
    assert.equal(view.source.kind === 'debug' && view.source.name, 'live events test');
    assert.equal(view.source.kind === 'debug' && view.source.stoppedAt, 'pause');

    const mem = view.sections.find((s) => s.id === 'mem')!.children!;
    assert.deepEqual(
      mem.map((n) => [n.start, n.last, n.label]),
      qemu.map((r) => [r.start, r.last, r.name]),
    );
    const ram = mem.find((n) => n.label === 'pc.ram' && n.start === '0x100000');
    assert.ok(ram?.target?.space === 'hva', 'RAM above 1 MiB has a host address');
    // The rings of the devices behind the vIOMMU were walked: at least one page per device.
    const viommu = view.sections.find((s) => s.id === 'viommu')!;
    const walked = (viommu.children ?? []).map((d) => collectLeaves(d).length);
    assert.ok(walked.length >= 2 && walked.every((n) => n > 0), `walked pages per device: ${walked.join(', ')}`);
    await dc.continueRequest({ threadId: 1 });
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

const queueNotifies = (): number => (readFileSync(guest.tracePath, 'utf8').match(/^virtio_queue_notify /gm) ?? []).length;

function collectLeaves(n: ViewNode): ViewNode[] {
  return (n.children ?? []).flatMap((c) => (c.start !== undefined ? [c] : collectLeaves(c)));
}

test('refreshIntervalMs 500: view events and invalidations keep coming while the guest runs, and it keeps running', TEST, async () => {
  const dc = await adapter({ supportsInvalidatedEvent: true });
  try {
    const views = collect(dc, VIEW_EVENT);
    const invalidated = collect(dc, 'invalidated');
    const stops = collect(dc, 'stopped');
    await dc.attachRequest(attachArgs({ refreshIntervalMs: 500 }));
    const notifiesBefore = queueNotifies();
    const t0 = Date.now();
    while (views.length < 3 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    // The guest pings and reads its disk every second: its virtqueue notifications keep coming.
    assert.ok(queueNotifies() > notifiesBefore, 'the guest kept doing DMA while the view refreshed');
    assert.ok(views.length >= 2, `${views.length} view events in ${Date.now() - t0} ms`);
    assert.ok(invalidated.length >= 2, `${invalidated.length} invalidated events`);
    assert.deepEqual(invalidated[0]!.body.areas, ['variables']);
    for (const e of views) {
      const v = (parseDebugEvent(VIEW_EVENT, e.body).body as { view: TranslationView }).view;
      assert.equal(v.source.kind === 'debug' && v.source.stoppedAt, undefined, 'a refresh while running has no stop reason');
      assert.ok(v.sections.find((s) => s.id === 'mem')!.children!.length > 10);
    }
    assert.equal(stops.length, 0, 'refreshing never stopped the VM');
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
  assert.deepEqual(await withQmp((m) => m.queryStatus()), { running: true, status: 'running' });
});

test('next / stepIn / stepOut single-step the vCPU: each answers, then a step stop with the PC in the frame', TEST, async () => {
  const dc = await adapter();
  try {
    await dc.attachRequest(attachArgs());
    await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]);
    for (const step of [() => dc.nextRequest({ threadId: 1 }), () => dc.stepInRequest({ threadId: 1 }), () => dc.stepOutRequest({ threadId: 1 })]) {
      const [stopped, response] = await Promise.all([dc.waitForEvent('stopped'), step()]);
      assert.equal(response.success, true);
      assert.equal(stopped.body.reason, 'step');
      assert.equal(stopped.body.threadId, 1);
      const [frame] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      assert.match(frame!.name, /^vCPU 0 @ 0x[0-9a-f]+$/);
      assert.equal(frame!.instructionPointerReference, frame!.name.split(' @ ')[1]);
    }
    await Promise.all([dc.waitForEvent('continued'), dc.continueRequest({ threadId: 1 })]);
    await assert.rejects(dc.nextRequest({ threadId: 1 }), /the guest is running; pause it first/);
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
  assert.deepEqual(await withQmp((m) => m.queryStatus()), { running: true, status: 'running' });
});
