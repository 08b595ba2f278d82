// The hostile-peer cases of the hardening suite (test/hardening/peerScripts.ts) against the built
// CLI: for each, the exit code, the time from the peer's fault to the CLI's exit, the CLI's peak
// RSS and its stderr line. The suite asserts the bounds; the figures are measured here.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { closeAllPeers } from '../test/qemu/fakePeers.js';
import { hostileGdbPeer, hugeFlatView, peerCases, sampleQmpPeer, type PeerCase } from '../test/hardening/peerScripts.js';

const ROOT = process.cwd();
const CLI = join(ROOT, 'dist', 'cli.js');
const HOOK = join(ROOT, 'bench', 'rssHook.mjs');

interface Row {
  exit: number | null;
  msAfterFault: number;
  rssMb: number;
  line: string;
}

async function runCase(c: PeerCase): Promise<Row> {
  let faultAt = NaN;
  const fault = (): void => {
    faultAt = performance.now();
  };
  const qmp = await sampleQmpPeer(c.qmp ?? (() => 'sample'), fault);
  const gdb = c.gdb ? await hostileGdbPeer(c.gdb, fault) : undefined;
  const child = spawn(process.execPath, ['--import', HOOK, CLI, 'snapshot', '--qmp', qmp.endpoint, ...(gdb ? ['--gdb', gdb.endpoint] : []), ...(c.args ?? [])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const end = performance.now();
  await closeAllPeers();
  const rssMb = Number(/maxRSS_KiB=(\d+)/.exec(err)?.[1] ?? NaN) / 1024;
  return { exit, msAfterFault: end - faultAt, rssMb, line: err.replace(/\n?maxRSS_KiB=\d+\n?/, '').split('\n')[0] };
}

export async function hostilePeerTable(): Promise<void> {
  console.log('  hostile peers (built CLI `snapshot`, fake QMP/gdbstub on unix sockets): exit, fault → exit, peak RSS, stderr');
  const big = hugeFlatView();
  const cases: PeerCase[] = [
    ...peerCases(),
    {
      name: 'QMP: a 16 MB `info mtree -f` of 100k lines (legal)',
      qmp: (cmd, s, fault) => {
        if (cmd.arguments?.['command-line'] !== 'info mtree -f') return 'sample';
        fault();
        s.write(JSON.stringify({ return: big, id: cmd.id }) + '\r\n');
        return 'handled';
      },
      exit: 0,
      message: /^$/,
      limitMs: 5000,
      maxRssMb: 300,
    },
  ];
  for (const c of cases) {
    const r = await runCase(c);
    const line = r.line.replace(/unix:\/tmp\/[^:]+/g, 'unix:…').slice(0, 100);
    console.log(`    ${c.name.padEnd(62)} exit ${r.exit}  ${r.msAfterFault.toFixed(0).padStart(5)} ms  ${r.rssMb.toFixed(0).padStart(4)} MiB  ${line}`);
  }
}
