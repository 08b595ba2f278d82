// The "QEMU internals" scope of the standalone adapter over real DAP, against the busybox test
// guest on QEMU 7.2 built with debug information (scripts/build-qemu-debug.sh): attach with
// qemuPid, or with the PID found from the QMP socket, shows RAM blocks equal to QMP's `info
// ramblock` and clean cross-checks; a trace of another run (the vDPA lab's, with vhost-vdpa maps
// this QEMU never had) is reported as a difference; `launch` with qemuInternals runs QEMU under
// IOVA Lens's gdb and reads it at the entry stop. Bad cases: a PID that is no process, Debian's
// stripped QEMU. The CLI's `snapshot --qemu-pid --qmp [--trace]` cross-checks the same guest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { startGuest, type Guest } from '../harness/guest.js';
import { debugQemu } from '../harness/debugQemu.js';
import { buildAdapter, guestAttachArgs, ROOT, startAdapter, TEST } from './dapHarness.js';
import { QmpClient } from '../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../src/qemu/qmp/qemuMonitor.js';
import { runCliChild } from '../harness/runCliChild.js';
import { GdbMi } from '../../src/qemu/internals/mi/gdbMi.js';

let guest: Guest;
let qemu72: string;
const dirs: string[] = [];

before(async () => {
  buildAdapter();
  qemu72 = debugQemu('7.2');
  guest = await startGuest({ qemu: qemu72 });
});

after(async () => {
  await guest?.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const hx = (v: bigint): string => '0x' + v.toString(16);

/** QMP for the test itself, between the adapter's sessions or beside none (QEMU serves one client). */
async function withMon<T>(fn: (mon: QemuMonitor) => Promise<T>): Promise<T> {
  const qmp = await QmpClient.connect(`unix:${guest.qmpPath}`);
  try {
    return await fn(new QemuMonitor(qmp));
  } finally {
    qmp.close();
  }
}
const INTERNALS_TEST = { timeout: 60_000 };

async function children(dc: DebugClient, ref: number): Promise<DebugProtocol.Variable[]> {
  return (await dc.variablesRequest({ variablesReference: ref })).body.variables;
}

function named(vars: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `no variable "${name}" among ${vars.map((x) => `${x.name}=${x.value}`).join(', ')}`);
  return v;
}

/** The "QEMU internals" scope's children at the current stop of vCPU 0. */
async function internalsScope(dc: DebugClient): Promise<DebugProtocol.Variable[]> {
  const [frame] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  const scopes = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes;
  const scope = scopes.find((s) => s.name === 'QEMU internals');
  assert.ok(scope, `scopes: ${scopes.map((s) => s.name).join(', ')}`);
  assert.equal(scope.expensive, true, 'read only when opened');
  return children(dc, scope.variablesReference);
}

/** Attach, pause, and return the scope's children (the adapter is stopped by the caller). */
async function attachStopped(dc: DebugClient, over: Record<string, unknown>): Promise<DebugProtocol.Variable[]> {
  await dc.attachRequest(guestAttachArgs(guest, over));
  await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]);
  return internalsScope(dc);
}

async function leave(dc: DebugClient): Promise<void> {
  await dc.disconnectRequest({}).catch(() => undefined);
  await dc.stop();
}

/** Collect the adapter's console output (it reports cross-checks after each stop). */
function outputs(dc: DebugClient): { until(re: RegExp, ms?: number): Promise<string> } {
  const seen: string[] = [];
  const waiters = new Set<() => void>();
  dc.on('output', (e: DebugProtocol.OutputEvent) => {
    seen.push(e.body.output);
    for (const w of [...waiters]) w();
  });
  return {
    until: (re, ms = 30_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = seen.find((t) => re.test(t));
          if (hit === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no output matching ${re} within ${ms} ms; got: ${seen.join('').slice(-1500)}`));
        }, ms);
        waiters.add(check);
        check();
      }),
  };
}

test('attach with qemuPid: RAM blocks equal QMP\'s info ramblock, FlatViews listed, cross-checks clean', INTERNALS_TEST, async () => {
  // QEMU serves one QMP client at a time: QMP's answers are taken before the adapter attaches
  const [qmp, pcRamHva] = await withMon(async (mon) => [await mon.ramBlocks(), (await mon.gpa2hva(0x100000n)).hva - 0x100000n] as const);
  assert.ok(qmp.length >= 3);
  const dc = await startAdapter();
  try {
    const out = outputs(dc);
    const scope = await attachStopped(dc, { qemuPid: guest.pid });
    const blocks = await children(dc, named(scope, 'RAM blocks').variablesReference);
    assert.deepEqual(
      blocks.map((b) => `${b.name} ${/^offset (\S+) used (\S+) host/.exec(b.value)?.slice(1).join(' ')}`),
      qmp.map((b) => `${b.name} ${hx(b.offset)} ${hx(b.usedLen)}`),
    );
    const pcRam = named(blocks, 'pc.ram');
    assert.match(pcRam.value, new RegExp(`host ${hx(pcRamHva)}$`), 'pc.ram\'s HVA is the one gpa2hva gives');

    const spaces = await children(dc, named(scope, 'address spaces').variablesReference);
    const memory = await children(dc, named(spaces, 'memory').variablesReference);
    assert.ok(memory.some((r) => /^pc\.ram/.test(r.value)), 'the system FlatView maps pc.ram');
    assert.equal(named(scope, 'VT-d IOTLB').value.endsWith('entries'), true, 'the machine has an intel-iommu');
    assert.equal(named(scope, 'vhost devices').value, '0 devices');

    const checks = named(scope, 'cross-checks');
    assert.match(checks.value, /^clean: \d+ RAM blocks and \d+ address spaces equal QMP's info ramblock and info mtree -f$/);
    assert.match(await out.until(/QEMU internals/), /QEMU internals \(pid \d+\): cross-checks clean/);
    assert.match(named(scope, 'QEMU stopped').value, new RegExp(`ms for this read \\(pid ${guest.pid}\\)$`));
  } finally {
    await leave(dc);
  }
  assert.equal(await withMon(async (mon) => (await mon.queryStatus()).running), true, 'detach leaves the guest running');
});

test('attach with qemuInternals and no qemuPid: the PID is the QMP socket\'s owner', INTERNALS_TEST, async () => {
  const dc = await startAdapter();
  try {
    const scope = await attachStopped(dc, { qemuInternals: true });
    assert.match(named(scope, 'QEMU stopped').value, new RegExp(`\\(pid ${guest.pid}\\)$`));
  } finally {
    await leave(dc);
  }
});

test('a trace of another run (the vDPA lab\'s, vhost-vdpa maps live) is reported as a difference, in the scope and on the console', INTERNALS_TEST, async () => {
  const trace = otherRunTrace();
  const dc = await startAdapter();
  try {
    const out = outputs(dc);
    const scope = await attachStopped(dc, { qemuPid: guest.pid, trace });
    const checks = named(scope, 'cross-checks');
    assert.equal(checks.value, '1 difference(s)');
    const [f] = await children(dc, checks.variablesReference);
    assert.equal(f!.name, 'warning: internals-iova-tree');
    assert.match(f!.value, /^other-run\.log at its last line \(70\) shows 1 vhost-vdpa device\(s\) with IOTLB maps, but QEMU has no vhost-vdpa device: is the trace from another run of QEMU\?$/);
    const [detail] = await children(dc, f!.variablesReference);
    assert.match(detail!.value, /^vdpa 0x[0-9a-f]+: \d+ maps in the trace, first at line \d+$/);
    assert.match(await out.until(/cross-check difference/), /other-run\.log at its last line \(70\)/);
  } finally {
    await leave(dc);
  }
});

/** A trace of another run: QEMU 7.2 with SVQ (the vDPA lab), cut while its device runs. */
function otherRunTrace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-xcheck-'));
  dirs.push(dir);
  const lines = readFileSync(join(ROOT, 'test/fixtures/vdpa-lab/qemu72-svq-on/trace.log'), 'utf8').split('\n').slice(0, 70);
  const trace = join(dir, 'other-run.log');
  writeFileSync(trace, lines.join('\n') + '\n');
  return trace;
}

interface CrossChecksJson {
  crossChecks: { checked: string[]; findings: { code: string; severity: string; message: string; detail: string[] }[] };
}

test('CLI snapshot --qemu-pid --qmp: cross-checks clean and listed, exit 0; with a trace of another run the difference is listed, exit 1', INTERNALS_TEST, async () => {
  const base = ['snapshot', '--qemu-pid', String(guest.pid), '--qmp', `unix:${guest.qmpPath}`];
  const clean = await runCliChild([...base, '--json']);
  assert.equal(clean.code, 0, clean.stderr);
  const cj = JSON.parse(clean.stdout) as CrossChecksJson;
  assert.deepEqual(cj.crossChecks.findings, []);
  assert.deepEqual(cj.crossChecks.checked, ['RAM blocks and address spaces against QMP\'s info ramblock and info mtree -f']);

  const trace = otherRunTrace();
  const json = await runCliChild([...base, '--trace', trace, '--json']);
  assert.equal(json.code, 1, json.stderr);
  const dj = JSON.parse(json.stdout) as CrossChecksJson;
  assert.deepEqual(dj.crossChecks.findings.map((f) => `${f.severity} ${f.code}`), ['warning internals-iova-tree']);
  assert.match(dj.crossChecks.findings[0]!.message, /^other-run\.log at its last line \(70\) shows 1 vhost-vdpa device/);
  const text = await runCliChild([...base, '--trace', trace]);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /cross-checks \(RAM blocks and address spaces against QMP's info ramblock and info mtree -f; vhost IOVA trees against other-run\.log at its last line \(70\)\):\n {2}warning: other-run\.log at its last line \(70\) shows 1 vhost-vdpa device\(s\) with IOTLB maps, but QEMU has no vhost-vdpa device: is the trace from another run of QEMU\? \[internals-iova-tree\]\n {4}vdpa 0x[0-9a-f]+: \d+ maps in the trace, first at line \d+\n/);

  assert.match(text.stdout, /cross-check with .*other-run\.log \(replayed to line 70\): not compared: QEMU has 0 vhost-vdpa IOVA tree\(s\)/);
  const usage = await runCliChild(['snapshot', '--qmp', base[base.indexOf('--qmp') + 1]!, '--trace', trace]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--trace goes with --qemu-pid PID or --qemu-core/);
});

test('qemuPid of another QEMU than the QMP socket\'s (a real mix-up): its RAM blocks and FlatViews are reported as differing from QMP\'s', INTERNALS_TEST, async () => {
  const other = spawn(qemu72, ['-M', 'q35', '-accel', 'tcg', '-m', '64', '-display', 'none', '-nodefaults', '-S'], { stdio: 'ignore' });
  await new Promise<void>((r, j) => {
    other.once('spawn', r);
    other.once('error', j);
  });
  const dc = await startAdapter();
  try {
    const out = outputs(dc);
    const scope = await attachStopped(dc, { qemuPid: other.pid });
    const checks = named(scope, 'cross-checks');
    const found = await children(dc, checks.variablesReference);
    const ram = named(found, 'error: internals-ramblocks');
    assert.match(ram.value, /^RAM blocks read from QEMU's memory differ from QMP's info ramblock \(\d+ differences\)$/);
    const lines = (await children(dc, ram.variablesReference)).map((v) => v.value);
    assert.ok(lines.includes("pc.ram: QEMU's memory says offset 0x0 used 0x4000000, QMP says offset 0x0 used 0x20000000"), lines.join('\n'));
    assert.ok(found.some((f) => /^error: internals-(flatview|address-spaces)$/.test(f.name)), 'the other machine has no virtio devices: its address spaces differ too');
    assert.match(await out.until(/cross-check difference/), /error: RAM blocks read from QEMU's memory differ/);
  } finally {
    await leave(dc);
    other.kill('SIGKILL');
  }
});

test('ptrace refused (another debugger traces QEMU and lets it run): the scope says who and what to do', INTERNALS_TEST, async () => {
  // a second gdb attached to QEMU and continuing it: QEMU runs (QMP and the gdbstub answer), but
  // ptrace allows one tracer at a time
  const holder = await GdbMi.start(`/proc/${guest.pid}/exe`);
  const dc = await startAdapter();
  try {
    await holder.command('-gdb-set mi-async on');
    await holder.command(`-interpreter-exec console "handle all nostop noprint pass"`);
    await holder.command(`-target-attach ${guest.pid}`, 30_000);
    await holder.command('-exec-continue');
    const scope = await attachStopped(dc, { qemuPid: guest.pid });
    assert.equal(scope.length, 1);
    assert.equal(scope[0]!.name, '(unavailable)');
    assert.match(scope[0]!.value, new RegExp(`^cannot attach to QEMU \\(pid ${guest.pid}\\): it is already traced by process ${holder.gdbPid} .*ptrace allows one tracer at a time`));
  } finally {
    await leave(dc);
    await holder.close();
  }
  assert.equal(await withMon(async (mon) => (await mon.queryStatus()).running), true, 'QEMU runs on once the other debugger is gone');
});

test('qemuPid of no process: the scope says so; the rest of the session works', INTERNALS_TEST, async () => {
  const dc = await startAdapter();
  try {
    const scope = await attachStopped(dc, { qemuPid: 4_194_304 + 7 });
    assert.deepEqual(scope.map((v) => `${v.name}: ${v.value}`), ['(unavailable): pid 4194311: no such process']);
    assert.ok((await dc.threadsRequest()).body.threads.length >= 1);
  } finally {
    await leave(dc);
  }
});

test('qemuPid of Debian\'s stripped QEMU: the scope says it has no debug information and how to get it', INTERNALS_TEST, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-stripped-'));
  dirs.push(dir);
  const qmpPath = join(dir, 'qmp.sock');
  const q = spawn('qemu-system-x86_64', ['-M', 'q35', '-accel', 'tcg', '-m', '64', '-display', 'none', '-nodefaults', '-S', '-qmp', `unix:${qmpPath},server=on,wait=off`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 400 && !existsSync(qmpPath); i++) await new Promise((r) => setTimeout(r, 25));
    const dc = await startAdapter();
    try {
      await Promise.all([dc.waitForEvent('stopped'), dc.attachRequest({ qmp: `unix:${qmpPath}`, qemuPid: q.pid } as DebugProtocol.AttachRequestArguments)]);
      const [frame] = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
      const scope = (await dc.scopesRequest({ frameId: frame!.id })).body.scopes.find((s) => s.name === 'QEMU internals')!;
      const [v] = await children(dc, scope.variablesReference);
      assert.equal(v!.name, '(unavailable)');
      assert.match(v!.value, new RegExp(`^QEMU \\(pid ${q.pid}, \\S+\\) has no debug information \\(no symbol table\\).*--enable-debug-info.*debuginfod`));
    } finally {
      await leave(dc);
    }
  } finally {
    q.kill('SIGKILL');
  }
});

const parentComm = (pid: number): string => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]!;
  return readFileSync(`/proc/${ppid}/comm`, 'utf8').trim();
};

test('launch with qemuInternals: QEMU runs under IOVA Lens\'s gdb, its arguments unchanged, and is read at the entry stop', INTERNALS_TEST, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-launch-gdb-'));
  dirs.push(dir);
  const pidFile = join(dir, `it's "a" pid $HOME`);
  const dc = await startAdapter();
  try {
    const args = ['-M', 'q35', '-accel', 'tcg', '-m', '64', '-nographic', '-nodefaults', '-S', '-pidfile', pidFile];
    await Promise.all([dc.waitForEvent('stopped'), dc.launchRequest({ qemu: qemu72, args, qemuInternals: true } as DebugProtocol.LaunchRequestArguments)]);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    assert.equal(parentComm(pid), 'gdb', 'QEMU is the inferior of the adapter\'s gdb');
    const scope = await internalsScope(dc);
    const blocks = await children(dc, named(scope, 'RAM blocks').variablesReference);
    assert.match(named(blocks, 'pc.ram').value, /^offset 0x0 used 0x4000000 host 0x[0-9a-f]+$/, '64 MiB of guest RAM');
    assert.match(named(scope, 'cross-checks').value, /^clean: /);
    assert.match(named(scope, 'QEMU stopped').value, new RegExp(`\\(pid ${pid}\\)$`));
    // QEMU runs on after the read: QMP answers and a pause/continue still work
    await dc.continueRequest({ threadId: 1 });
    await Promise.all([dc.waitForEvent('stopped'), dc.pauseRequest({ threadId: 1 })]);
    assert.match(named(await internalsScope(dc), 'cross-checks').value, /^clean: /, 'read again at the next stop');
    await dc.disconnectRequest({});
    for (let i = 0; i < 200 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(existsSync(`/proc/${pid}`), false, 'QEMU is gone after disconnect');
  } finally {
    await dc.stop();
  }
});

test('launch with qemuInternals whose QEMU dies at start-up reports QEMU\'s own message', TEST, async () => {
  const dc = await startAdapter();
  try {
    await assert.rejects(
      dc.launchRequest({ qemu: qemu72, args: ['-M', 'no-such-machine'], qemuInternals: true } as DebugProtocol.LaunchRequestArguments),
      /QEMU exited during start-up \(code 1\): qemu-system-x86_64: unsupported machine type/,
    );
  } finally {
    await dc.stop();
  }
});
