// The standalone debug adapter (node dist/debugAdapter.js) driven over real DAP by
// @vscode/debugadapter-testsupport's DebugClient, attached to a real QEMU 7.2 guest (q35 +
// intel-iommu, virtio devices behind it). Ring translations are checked against QEMU's own
// vtd_dmar_translate trace lines; the giova memory view against a physical read at the GPA QEMU
// translated to. Failure paths: wrong socket, no gdbstub, QEMU killed mid-session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Guest } from '../harness/guest.js';
import { withSuiteGuest, guestAttachArgs, startAdapter, TEST } from './dapHarness.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { RESOLVE_REQUEST, type ResolveRequestArgs } from '../../src/shared/protocol/debugRequests.js';
import { decodeResolveAnswer, type WireResolveAnswer } from '../../src/shared/protocol/resolveWire.js';
import { VIEW_EVENT, parseDebugEvent } from '../../src/shared/protocol/debugEvents.js';
import { viewResolution } from '../../src/shared/viewFromTrace.js';
import type { TranslationView } from '../../src/shared/translationView.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { analyzeTraceFile } from '../../src/trace/analyze.js';

let guest: Guest;
withSuiteGuest((g) => (guest = g));

const adapter = (): Promise<DebugClient> => startAdapter();
const attachArgs = (over: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments => guestAttachArgs(guest, over);

async function children(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

function find<V extends { name: string }>(vars: V[], re: RegExp, what: string): V {
  const v = vars.find((x) => re.test(x.name));
  assert.ok(v, `${what}: no variable matching ${re} among ${vars.map((x) => x.name).join(', ')}`);
  return v;
}

/** The adapter's whole answer, error body included (DebugClient's requests keep only the message). */
function rawAnswer(dc: DebugClient, command: string, args: object): Promise<DebugProtocol.ErrorResponse> {
  const send = (dc as unknown as { doSend(c: string, a: object, clb: (r: DebugProtocol.Response) => void): void }).doSend.bind(dc);
  return new Promise((resolve) => send(command, args, (r) => resolve(r as DebugProtocol.ErrorResponse)));
}

async function queryStatus(): Promise<{ running: boolean; status: string }> {
  const qmp = await QmpClient.connect(`unix:${guest.qmpPath}`);
  try {
    return await new QemuMonitor(qmp).queryStatus();
  } finally {
    qmp.close();
  }
}

/** QEMU's own translation of the page holding `iova` for device `pci`, from its trace log. */
function qemuTranslation(pci: string, iova: bigint): bigint | undefined {
  const trace = readFileSync(guest.tracePath, 'utf8');
  const hits = [...trace.matchAll(/^vtd_dmar_translate dev (\S+) iova 0x([0-9a-f]+) -> gpa 0x([0-9a-f]+) mask 0x([0-9a-f]+)$/gm)].filter(
    (m) => m[1] === `${pci}0` && (BigInt('0x' + m[2]) & ~BigInt('0x' + m[4])) === (iova & ~BigInt('0x' + m[4])),
  );
  const last = hits.at(-1);
  if (!last) return undefined;
  const mask = BigInt('0x' + last[4]);
  return (BigInt('0x' + last[3]) & ~mask) | (iova & mask);
}

test('wrong QMP socket path: attach fails naming the path and the reason', TEST, async () => {
  const dc = await adapter();
  try {
    await assert.rejects(dc.attachRequest(attachArgs({ qmp: `unix:${guest.dir}/no-such.sock` })), /no-such\.sock.*no such socket file/);
  } finally {
    await dc.stop();
  }
});

test('without a gdbstub: QMP views work, memory and registers degrade with a reason', TEST, async () => {
  const dc = await adapter();
  try {
    await dc.attachRequest(attachArgs({ gdb: undefined }));
    const threads = (await dc.threadsRequest()).body.threads;
    assert.ok(threads.length >= 1 && /^vCPU 0/.test(threads[0]!.name), JSON.stringify(threads));
    await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]);
    const [frame] = (await dc.stackTraceRequest({ threadId: threads[0]!.id })).body.stackFrames;
    assert.match(frame!.name, /needs the gdbstub/);
    await assert.rejects(dc.customRequest('readMemory', { memoryReference: 'gpa:0x1000', count: 16 }), /needs the gdbstub/);
    const mtree = (await dc.evaluateRequest({ expression: 'mtree', context: 'repl' })).body.result;
    assert.match(mtree, /^0x0-0x[0-9a-f]+ ram\s+pc\.ram/m);
    const scopes = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes;
    const viommu = await children(dc, find(scopes, /^vIOMMU$/, 'scopes').variablesReference);
    assert.match(viommu[0]!.value, /no gdbstub/);
    await dc.continueRequest({ threadId: 1 });
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
  assert.equal((await queryStatus()).running, true, 'the guest runs after the session');
});

test('attach, pause, inspect a virtqueue, read its descriptor table by GIOVA, continue, detach', TEST, async () => {
  const dc = await adapter();
  try {
    await dc.attachRequest(attachArgs());
    const threads = (await dc.threadsRequest()).body.threads;
    assert.ok(threads.length >= 1);
    const [stopped] = await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: threads[0]!.id })]);
    assert.equal(stopped.body.reason, 'pause');

    const [frame] = (await dc.stackTraceRequest({ threadId: threads[0]!.id })).body.stackFrames;
    const pc = /^vCPU 0 @ (0x[0-9a-f]+)$/.exec(frame!.name)?.[1];
    assert.ok(pc, frame!.name);
    assert.equal(frame!.instructionPointerReference, pc);

    const scopes = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes;
    assert.deepEqual(scopes.map((s) => s.name), ['Registers (vCPU 0)', 'Guest memory', 'Virtqueues', 'vIOMMU']);
    const regs = await children(dc, scopes[0]!.variablesReference);
    assert.equal(find(regs, /^rip$/, 'registers').value, pc, 'the frame shows the vCPU\'s rip');

    const devices = await children(dc, scopes[2]!.variablesReference);
    const net = find(devices, /^virtio-net 00:[0-9a-f]{2}\.0$/, 'virtqueues');
    const pci = net.name.split(' ')[1]!;
    const queue0 = find(await children(dc, net.variablesReference), /^queue 0$/, net.name);
    const desc = find(await children(dc, queue0.variablesReference), /^desc$/, 'queue 0');
    const m = /^giova (0x[0-9a-f]+) -> gpa (0x[0-9a-f]+) -> hva (0x[0-9a-f]+)$/.exec(desc.value);
    assert.ok(m, desc.value);
    const giova = BigInt(m[1]!);
    const qemuGpa = qemuTranslation(pci, giova);
    assert.ok(qemuGpa !== undefined, `QEMU traced a translation of ${m[1]} for ${pci}`);
    assert.equal(BigInt(m[2]!), qemuGpa, 'the ring translation equals QEMU\'s vtd_dmar_translate');
    assert.equal(desc.memoryReference, `giova:${pci}:${m[1]}`);

    const resolved = (await dc.evaluateRequest({ expression: `resolve giova ${m[1]} ${pci}`, context: 'repl' })).body.result;
    assert.match(resolved, new RegExp(`gpa 0x${qemuGpa.toString(16)}\\b`));
    const bare = (await dc.evaluateRequest({ expression: m[1]!, context: 'repl' })).body.result;
    assert.match(bare, new RegExp(`giova ${m[1]} \\(${pci}\\) -> gpa 0x${qemuGpa.toString(16)}\\b`), 'a bare number is tried as the device\'s GIOVA');

    // 16 descriptors of 16 bytes, read through our VT-d walk and directly at QEMU's GPA.
    const viaGiova = await dc.customRequest('readMemory', { memoryReference: desc.memoryReference, count: 256 });
    const viaGpa = await dc.customRequest('readMemory', { memoryReference: `gpa:0x${qemuGpa.toString(16)}`, count: 256 });
    assert.equal(viaGiova.body.address, desc.memoryReference);
    assert.equal(Buffer.from(viaGiova.body.data, 'base64').length, 256);
    assert.equal(viaGiova.body.data, viaGpa.body.data);
    await assert.rejects(dc.customRequest('readMemory', { memoryReference: `hva:${m[3]}`, count: 16 }), /gdbstub reads guest memory only/);
    await assert.rejects(dc.customRequest('writeMemory', { memoryReference: `gpa:0x${qemuGpa.toString(16)}`, data: 'AA==' }), /writing guest memory is disabled/);

    const [cont] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('continued')]);
    assert.equal(cont.body.allThreadsContinued, true);
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
  assert.deepEqual(await queryStatus(), { running: true, status: 'running' }, 'the guest keeps running after disconnect');
});

test('attach with qemuLayout set (as the iovaLens.qemuLayout setting copies it): the session starts and the attached trace is replayed in that layout', TEST, async () => {
  for (const [layout, divergences] of [['current', 1], ['legacy', 0]] as const) {
    const dc = await adapter();
    const console: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => console.push(e.body.output));
    try {
      await dc.attachRequest(attachArgs({ gdb: undefined, trace: 'samples/aliased-unmap-svq-legacy.log', qemuLayout: layout }));
      const threads = (await dc.threadsRequest()).body.threads;
      assert.ok(threads.length >= 1, `attached with qemuLayout ${layout}`);
      assert.equal(console.filter((o) => /aliased-unmap-svq-legacy\.log:17: warning: .*allocator \(current layout\)/.test(o)).length, divergences, `${layout}: ${console.join('')}`);
      // a device IOVA is not in the live VM but in the attached trace: the resolve request answers
      // from both sources, the trace's chain as of its last line, as the CLI resolves it
      const { engine } = await analyzeTraceFile('samples/aliased-unmap-svq-legacy.log', { layout });
      const want = engine.resolve('iova', 0x80001000n, engine.summary().lines);
      assert.equal(want.error, undefined);
      const got = decodeResolveAnswer((await dc.customRequest(RESOLVE_REQUEST, { space: 'iova', addr: '0x80001000' })).body);
      const hops = (c: readonly { space: string; addr: string | bigint; createdLine?: number }[]) => c.map((h) => [h.space, BigInt(h.addr), h.createdLine]);
      assert.equal(got.error, undefined, JSON.stringify(got));
      assert.deepEqual(hops(got.hops), hops(want.hops));
      assert.ok(got.hops.length >= 2);
      await dc.disconnectRequest({});
    } finally {
      await dc.stop();
    }
  }
});

test('iovaLens/resolve: the live answer is a chain the translation tree highlights (GPA, HVA and a device GIOVA checked against QEMU)', TEST, async () => {
  const dc = await adapter();
  try {
    await dc.attachRequest(attachArgs());
    const threads = (await dc.threadsRequest()).body.threads;
    const [view] = await Promise.all([
      dc.waitForEvent(VIEW_EVENT).then((e) => (parseDebugEvent(VIEW_EVENT, e.body).body as { view: TranslationView }).view),
      dc.waitForEvent('stopped'),
      dc.pauseRequest({ threadId: threads[0]!.id }),
    ]);
    const resolve = async (args: ResolveRequestArgs): Promise<WireResolveAnswer> => decodeResolveAnswer((await dc.customRequest(RESOLVE_REQUEST, args)).body);

    // a GPA inside guest RAM: QEMU's own mtree names the region and its HVA
    const mtree = (await dc.evaluateRequest({ expression: 'mtree', context: 'repl' })).body.result;
    const ram = /^0x([0-9a-f]+)-0x([0-9a-f]+) ram\s+(\S+) hva 0x([0-9a-f]+)$/m.exec(mtree);
    assert.ok(ram, mtree);
    const gpa = BigInt('0x' + ram[1]!) + 0x1234n;
    const hva = BigInt('0x' + ram[4]!) + 0x1234n;
    const a = await resolve({ space: 'gpa', addr: `0x${gpa.toString(16)}` });
    assert.deepEqual(a.hops.map((h) => [h.space, BigInt(h.addr)]), [['gpa', gpa], ['hva', hva]]);
    assert.equal(a.hops[0]!.owner, ram[3]);
    const shown = viewResolution(`gpa 0x${gpa.toString(16)}`, a, view);
    assert.ok(shown.chains[0]![1]!.nodeId, 'the HVA hop is tied to the tree node that maps it: the box highlights it');
    assert.equal(shown.chains[0]![0]!.nodeId, shown.chains[0]![1]!.nodeId);

    // the HVA back to its GPA
    const back = await resolve({ space: 'hva', addr: `0x${hva.toString(16)}` });
    assert.ok([back.hops, ...back.alternatives].some((c) => c.length === 2 && c[1]!.space === 'gpa' && BigInt(c[1]!.addr) === gpa), JSON.stringify(back));

    // a device GIOVA: the VT-d walk must land where QEMU's own vtd_dmar_translate did
    const scopes = (await dc.scopesRequest({ frameId: (await dc.stackTraceRequest({ threadId: threads[0]!.id })).body.stackFrames[0]!.id })).body.scopes;
    const net = find(await children(dc, scopes[2]!.variablesReference), /^virtio-net 00:[0-9a-f]{2}\.0$/, 'virtqueues');
    const pci = net.name.split(' ')[1]!;
    const desc = find(await children(dc, find(await children(dc, net.variablesReference), /^queue 0$/, net.name).variablesReference), /^desc$/, 'queue 0');
    const giova = BigInt(/^giova (0x[0-9a-f]+)/.exec(desc.value)![1]!);
    const qemuGpa = qemuTranslation(pci, giova);
    assert.ok(qemuGpa !== undefined, `QEMU traced a translation of ${giova.toString(16)} for ${pci}`);
    const g = await resolve({ space: 'giova', addr: `0x${giova.toString(16)}`, device: pci });
    assert.deepEqual(g.hops.slice(0, 2).map((h) => [h.space, BigInt(h.addr)]), [['giova', giova], ['gpa', qemuGpa]]);
    assert.equal(g.hops[2]?.space, 'hva');

    // what cannot be answered live says why, as the answer's error
    assert.match((await resolve({ space: 'iova', addr: '0x1000' })).error ?? '', /not read from a live VM/);
    await assert.rejects(dc.customRequest(RESOLVE_REQUEST, { space: 'gpa', addr: 'nonsense' }), /arguments\.addr: expected a 64-bit hex address like "0x1000", got "nonsense"/);
    await dc.continueRequest({ threadId: 1 });
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

test('first steps in VS Code: the console says to type help, a pause stops every vCPU with a focusable frame, a typo answers in the console', TEST, async () => {
  const dc = await adapter();
  try {
    const hint = dc.waitForEvent('output');
    await dc.attachRequest(attachArgs());
    // the first console line, before anything is asked
    const first = await hint;
    assert.equal(first.body.category, 'console');
    assert.match(String(first.body.output), /type "help" here/);

    const threads = (await dc.threadsRequest()).body.threads;
    const [stopped] = await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: threads[0]!.id })]);
    // VS Code fetches and focuses the stack of the thread the event names; all vCPUs stopped
    assert.equal(stopped.body.threadId, threads[0]!.id);
    assert.equal(stopped.body.allThreadsStopped, true);
    // a frame with a source is what VS Code focuses by itself (then Variables fill): the stop page
    const [frame] = (await dc.stackTraceRequest({ threadId: threads[0]!.id })).body.stackFrames;
    assert.ok(frame!.source?.sourceReference, `the frame has no source to focus: ${JSON.stringify(frame)}`);
    assert.equal(frame!.line, 1);
    const pc = /^vCPU 0 @ (0x[0-9a-f]+)$/.exec(frame!.name)?.[1];
    assert.ok(pc, frame!.name);
    const page = (await dc.sourceRequest({ sourceReference: frame!.source!.sourceReference!, source: frame!.source })).body.content;
    assert.match(page.split('\n')[0]!, new RegExp(`^vCPU 0 stopped \\(pause\\) at rip ${pc}$`));
    assert.ok((await dc.scopesRequest({ frameId: frame!.id })).body.scopes.length > 0, 'the focused frame has scopes');

    // a typo in the console: an error answer VS Code prints in the console, not a notification
    const typo = await rawAnswer(dc, 'evaluate', { expression: 'reslove 0x1000', context: 'repl' });
    assert.equal(typo.success, false);
    assert.match(typo.body.error?.format ?? '', /reslove/);
    assert.equal(typo.body.error?.showUser, false, 'a console typo must not pop a notification');
    // the same command from a hover or a watch is not the console: a failure there may be shown
    const watch = await rawAnswer(dc, 'evaluate', { expression: 'reslove 0x1000', context: 'watch' });
    assert.equal(watch.body.error?.showUser, true);

    await dc.continueRequest({ threadId: 1 });
    await dc.disconnectRequest({});
  } finally {
    await dc.stop();
  }
});

test('QEMU killed during the session: the session terminates and says why', TEST, async () => {
  const dc = await adapter();
  try {
    await dc.attachRequest(attachArgs());
    const why = dc.waitForEvent('output').then(async function next(e): Promise<DebugProtocol.Event> {
      return /closed/.test(String(e.body.output)) ? e : next(await dc.waitForEvent('output'));
    });
    const terminated = dc.waitForEvent('terminated');
    guest.kill('SIGKILL');
    const [out] = await Promise.all([why, terminated]);
    assert.match(String(out.body.output), /QMP connection unix:.*qmp.* closed \(QEMU exited or was killed\)/);
  } finally {
    await dc.stop();
  }
});

