// QemuTarget.step against fake QMP and gdbstub peers, for what a real QEMU does not show on
// demand: a stub without single-step, and a vCPU that retires no instruction (halted with no
// interrupt coming), which must not hang the session.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { QemuTarget, TargetRefusal, type TargetEvent } from '../../src/debug/target.js';
import { closeAllPeers, fakePeer, gdbFrame, gdbServer, qmpServer, rejectionGuard } from '../qemu/fakePeers.js';

const guard = rejectionGuard();
after(async () => {
  await closeAllPeers();
  guard.dispose();
  assert.deepEqual(guard.errors, [], 'no unhandled rejections');
});

interface Peers {
  target: QemuTarget;
  gdbPackets: string[];
  qmpCommands: string[];
  events: TargetEvent[];
}

/**
 * A stopped VM. `onStep` answers the vCont packet (undefined: stay silent, as a halted vCPU's
 * step does); QMP `stop` makes the gdbstub report T02 like QEMU's does for a VM stopped under it.
 */
async function stoppedVm(vcont: string, onStep: (payload: string) => string | undefined, other: (payload: string, sock: Socket) => string | undefined = () => ''): Promise<Peers> {
  const gdbPackets: string[] = [];
  const qmpCommands: string[] = [];
  let gdbSock: Socket | undefined;
  const gdb = await fakePeer(
    gdbServer((p, s) => {
      gdbSock = s;
      if (p.startsWith('qSupported')) return 'PacketSize=1000';
      if (p === 'vCont?') return vcont;
      if (p.startsWith('vCont;')) return onStep(p);
      if (p === 'D') return 'OK';
      return other(p, s);
    }, gdbPackets),
  );
  const qmp = await fakePeer(
    qmpServer((s, cmd) => {
      qmpCommands.push(cmd.execute);
      const answer = cmd.execute === 'query-status' ? { running: false, status: 'debug' } : {};
      s.write(JSON.stringify({ return: answer, id: cmd.id }) + '\r\n');
      if (cmd.execute === 'stop') gdbSock?.write(gdbFrame('T02thread:01;'));
    }),
  );
  const target = await QemuTarget.attach({ qmp: qmp.endpoint, gdb: gdb.endpoint, timeoutMs: 2000 });
  const events: TargetEvent[] = [];
  target.on((e) => events.push(e));
  return { target, gdbPackets, qmpCommands, events };
}

test('a stub whose vCont? lists no "s" refuses the step, naming the stub and what is missing', async () => {
  const p = await stoppedVm('vCont;c;C', () => undefined);
  await assert.rejects(
    p.target.step(1),
    (e: unknown) => e instanceof TargetRefusal && /^the gdbstub at unix:\S+ does not offer single-step \(its "vCont\?" answer lists no "s" action\)$/.test(e.message),
  );
  assert.ok(!p.gdbPackets.some((x) => x.startsWith('vCont;')), 'no resume packet was sent');
  await p.target.detach();
});

test('a step sends vCont;s for that vCPU only and ends with a step stop of that thread', async () => {
  const p = await stoppedVm('vCont;c;C;s;S', (x) => (x === 'vCont;s:2' ? 'T05thread:02;' : 'E01'));
  const { done } = await p.target.step(2);
  assert.deepEqual(await done, { completed: true });
  assert.deepEqual(p.events, [{ kind: 'stopped', reason: 'step', threadId: 2 }]);
  assert.ok(p.gdbPackets.includes('vCont;s:2'), p.gdbPackets.join(' '));
  assert.equal(p.target.running, false);
  // The stub's answer to vCont? is asked once per session, not per step.
  await (await p.target.step(2)).done;
  assert.equal(p.gdbPackets.filter((x) => x === 'vCont?').length, 1);
  await p.target.detach();
});

test('a step that retires nothing within the stall time is ended by QMP stop: completed false, still a step stop', async () => {
  const p = await stoppedVm('vCont;c;C;s;S', () => undefined);
  const t0 = Date.now();
  const { done } = await p.target.step(1, 200);
  assert.deepEqual(await done, { completed: false });
  const ms = Date.now() - t0;
  assert.ok(ms >= 190 && ms < 1500, `${ms} ms`);
  assert.ok(p.qmpCommands.includes('stop'));
  assert.deepEqual(p.events, [{ kind: 'stopped', reason: 'step', threadId: 1 }]);
  // The gdbstub connection survived: the next request is answered.
  assert.equal(p.target.gdb?.closed, false);
  await p.target.detach();
});

test('gdbstub work queued before a continue never reaches the running VM (QEMU would stop it again)', async () => {
  // the first memory read is held: a second one and the continue queue up behind it
  let held: Socket | undefined;
  let readArrived: () => void = () => undefined;
  const arrived = new Promise<void>((r) => (readArrived = r));
  const p = await stoppedVm('vCont;c;C;s;S', () => undefined, (x, sock) => {
    if (x.startsWith('qqemu.PhyMemMode')) return '0';
    if (x.startsWith('Qqemu.PhyMemMode')) return 'OK';
    if (x.startsWith('m') && !held) {
      held = sock;
      readArrived();
      return undefined;
    }
    return x.startsWith('m') ? '00'.repeat(16) : '';
  });
  const first = p.target.readMemory('gpa:0x1000', 0, 16);
  await arrived;
  const cont = p.target.cont();
  const second = p.target.readMemory('gpa:0x2000', 0, 16);
  held!.write(gdbFrame('00'.repeat(16)));
  assert.equal((await first).data.length, 16);
  await cont;
  await assert.rejects(second, (e: unknown) => e instanceof TargetRefusal && /^reading gpa:0x2000: the guest resumed before it could be done$/.test(e.message));
  assert.equal(p.target.running, true);
  assert.ok(!p.gdbPackets.some((x) => x.startsWith('m2000')), `a read reached the running VM: ${p.gdbPackets.join(' ')}`);
  await p.target.detach();
  assert.ok(!p.gdbPackets.includes('D'), 'detaching from a running VM sends no byte');
});
