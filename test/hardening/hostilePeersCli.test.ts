// Hostile QMP and gdbstub peers against `iova-lens snapshot` run as a child process, as a user
// runs it: each case's peer (peerScripts.ts) misbehaves once, and the CLI must end with exit 2
// and one line naming the fault within the case's limit from that moment (the child is killed
// otherwise), with no stack trace and its peak RSS under the bound (400 MiB for the 1 MiB
// packet, 300 MiB otherwise). A dead peer is reported within ~2 s with the default timeout.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { closeAllPeers } from '../qemu/fakePeers.js';
import { startCliChild } from '../harness/runCliChild.js';
import { assertClean, assertOneLine } from './cliOutcome.js';
import { hostileGdbPeer, hugeFlatView, peerCases, sampleQmpPeer } from './peerScripts.js';

afterEach(closeAllPeers);

for (const c of peerCases()) {
  test(`snapshot against ${c.name}: exit ${c.exit}, one line, bounded`, { timeout: 120_000 }, async () => {
    let fault = (): void => assert.fail('fault before the child started');
    const qmp = await sampleQmpPeer(c.qmp ?? (() => 'sample'), () => fault());
    const gdb = c.gdb ? await hostileGdbPeer(c.gdb, () => fault()) : undefined;
    const child = startCliChild(['snapshot', '--qmp', qmp.endpoint, ...(gdb ? ['--gdb', gdb.endpoint] : []), ...(c.args ?? [])], { limitMs: c.limitMs, faultByCaller: true });
    let faulted = false;
    fault = () => {
      faulted = true;
      child.fault();
    };
    const r = await child.done;
    assert.ok(faulted, `the peer never misbehaved (exit ${r.code}, stderr ${r.stderr.slice(0, 300)})`);
    assertClean(r, c.exit, c.message, c.maxRssMb);
    assertOneLine(r);
    if (c.stdout) assert.match(r.stdout, c.stdout);
  });
}

test('snapshot with a 16 MB `info mtree -f` of 100k lines: the right answer within 5 s of the reply', { timeout: 120_000 }, async () => {
  let fault = (): void => undefined;
  const big = hugeFlatView();
  const qmp = await sampleQmpPeer((cmd, s) => {
    if (cmd.execute !== 'human-monitor-command' || cmd.arguments?.['command-line'] !== 'info mtree -f') return 'sample';
    fault();
    s.write(JSON.stringify({ return: big, id: cmd.id }) + '\r\n');
    return 'handled';
  }, () => fault());
  // the framer and the mtree parser are under test, not the per-command timeout
  const child = startCliChild(['snapshot', '--qmp', qmp.endpoint, '--timeout', '60000', '--json'], { limitMs: 5000, faultByCaller: true });
  fault = child.fault;
  const r = await child.done;
  assertClean(r, 0, /^$/);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.ok(JSON.stringify(j).includes('many-regions-bar-099999'), 'the last of the 100k regions is in the snapshot');
});
