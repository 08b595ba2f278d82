// Hardening soak (npm run bench -- soak): 10^6 fuzzed trace lines through `iova-lens check`
// (built CLI, child process, peak RSS), 10^6 fuzzed gdb packets through the packet receiver and
// 10^6 fuzzed QMP messages through the framer and the lossless parser; then every hostile case
// of issue 15 once, with its time to the error and peak RSS. Time figures live here, not in tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketReceiver } from '../src/qemu/gdb/packet.js';
import { JsonObjectStream } from '../src/qemu/qmp/jsonStream.js';
import { parseJsonLossless } from '../src/qemu/qmp/losslessJson.js';
import { hostilePeerTable } from './hardeningPeers.js';
import { seededRandom } from '../test/harness/seededRandom.js';

const ROOT = process.cwd();
const CLI = join(ROOT, 'dist', 'cli.js');
const HOOK = join(ROOT, 'bench', 'rssHook.mjs');

const rng = seededRandom;

const SEEDS = [
  'vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 uaddr: 0x7f0000001000 perm: 0x3 type: 2',
  'vhost_vdpa_dma_unmap vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x1000 size: 0x1000 type: 3',
  'vhost_vdpa_listener_region_add vdpa: 0x55d0 iova 0x0 llend 0xa0000 vaddr: 0x7f00 read-only: 0',
  'vhost_vdpa_get_iova_range dev: 0x55d0 first: 0x0 last: 0xffffffffff',
  '719585@1608130130.441188:vtd_iotlb_page_update IOTLB page update sid 0x10 iova 0x1000 slpte 0x123003 domain 0x1',
  '  qemu-system-x86-4242  [003] d..1.  1234.567890: tracing_mark_write: virtio_notify vdev 0x1 vq 0x2',
];

function mutate(line: string, r: () => number): string {
  switch (Math.floor(r() * 10)) {
    case 0: return line.slice(0, Math.floor(r() * line.length));
    case 1: return ' '.repeat(Math.floor(r() * 2000)) + line;
    case 2: return '> ' + line;
    case 3: return line.replace(/0x[0-9a-f]+/, '0x' + 'f'.repeat(1 + Math.floor(r() * 40)));
    case 4: {
      const i = Math.floor(r() * line.length);
      return line.slice(0, i) + String.fromCharCode(Math.floor(r() * 128)) + line.slice(i + 1);
    }
    case 5: return line + ' '.repeat(Math.floor(r() * 100)) + '%s %s %s';
    case 6: return line.replace(/ /g, '  ');
    default: return line;
  }
}

async function fuzzTrace(path: string, lines: number): Promise<void> {
  const r = rng(1234);
  const out = createWriteStream(path);
  let buf: string[] = [];
  for (let i = 0; i < lines; i++) {
    buf.push(mutate(SEEDS[Math.floor(r() * SEEDS.length)], r));
    if (buf.length === 10000) {
      if (!out.write(buf.join('\n') + '\n')) await once(out, 'drain');
      buf = [];
    }
  }
  out.end(buf.join('\n') + (buf.length ? '\n' : ''));
  await once(out, 'finish');
}

/** The built CLI once: wall time, CPU time (user + system: what a loaded machine disturbs less), peak RSS. */
function runCli(args: string[], input?: string): { ms: number; cpuMs: number; rssMb: number; status: number | null; stdout: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', HOOK, CLI, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28, env: { ...process.env, IOVA_LENS_BENCH_CPU: '1' } });
  const ms = performance.now() - t0;
  const rssMb = Number(/maxRSS_KiB=(\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  const cpuMs = Number(/cpu_ms=(\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { ms, cpuMs, rssMb, status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/\n?maxRSS_KiB=\d+(\ncpu_ms=\d+)?\n?/, '') };
}

function packetSoak(n: number): void {
  const r = rng(99);
  const recv = new PacketReceiver(1 << 20);
  const counts: Record<string, number> = { ack: 0, nak: 0, packet: 0, garbage: 0 };
  const t0 = performance.now();
  let receiver = recv;
  for (let i = 0; i < n; i++) {
    let frame: string;
    const k = Math.floor(r() * 6);
    if (k === 0) frame = '$' + 'X*~'.repeat(1 + Math.floor(r() * 50)) + '#00';
    else if (k === 1) frame = '$T' + String.fromCharCode(33 + Math.floor(r() * 90)) + 'zz#1f';
    else if (k === 2) frame = '+$OK#9a';
    else if (k === 3) frame = '-';
    else if (k === 4) frame = '$' + 'a}'.repeat(Math.floor(r() * 20)) + '#' + Math.floor(r() * 256).toString(16).padStart(2, '0');
    else frame = String.fromCharCode(Math.floor(r() * 256));
    for (const ev of receiver.push(Buffer.from(frame, 'latin1'))) {
      counts[ev.kind]++;
      // a client closes on garbage; the soak starts a fresh receiver as a reconnect would
      if (ev.kind === 'garbage') receiver = new PacketReceiver(1 << 20);
    }
  }
  const ms = performance.now() - t0;
  console.log(`  gdb packets: ${n} fuzzed frames in ${ms.toFixed(0)} ms; events ${JSON.stringify(counts)}; RSS now ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
}

function qmpSoak(n: number): void {
  const r = rng(7);
  let stream = new JsonObjectStream();
  const counts = { parsed: 0, syntaxErrors: 0, framingErrors: 0 };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const k = Math.floor(r() * 5);
    const msg =
      k === 0 ? `{"return": {"addr": 1844674407370955${Math.floor(r() * 10000)}}, "id": ${i}}\r\n`
      : k === 1 ? `{"event": "STOP", "timestamp": {"seconds": ${i}, "microseconds": 1}}\n`
      : k === 2 ? `{"return": [${'['.repeat(Math.floor(r() * 300))}]}\n`
      : k === 3 ? `{"return": "${'x'.repeat(Math.floor(r() * 200))}\\u00e9", "id": ${i}}\n`
      : `{"return": {"a": ,}}\n`;
    let texts: string[] = [];
    try {
      texts = stream.push(msg);
    } catch {
      counts.framingErrors++;
      stream = new JsonObjectStream();
      continue;
    }
    for (const t of texts) {
      try {
        parseJsonLossless(t);
        counts.parsed++;
      } catch {
        counts.syntaxErrors++;
      }
    }
  }
  const ms = performance.now() - t0;
  console.log(`  QMP messages: ${n} fuzzed messages in ${ms.toFixed(0)} ms; ${JSON.stringify(counts)}; RSS now ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
}

/** A simpletrace v4 header and one record of `type` (1: an event), 32 bytes of zeros after the type. */
function simpletrace(type: bigint): Buffer {
  const b = Buffer.alloc(24 + 40);
  b.writeBigUInt64LE(0xffffffffffffffffn, 0);
  b.writeBigUInt64LE(0xf2b177cb0aa429b4n, 8);
  b.writeBigUInt64LE(4n, 16);
  b.writeBigUInt64LE(type, 24);
  return b;
}

function caseTable(dir: string): void {
  const f = (name: string, content: string | Buffer): string => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const map = SEEDS[0];
  const many: string[] = [];
  for (let i = 0; i < 200_000; i++) many.push(`ev_${i}(int x) "x %d"`);
  const malformed: string[] = [];
  for (let i = 0; i < 1_000_000; i++) malformed.push(`vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 bogus ${i}`);
  const pairs: string[] = [];
  for (let i = 0; i < 500_000; i++) {
    const iova = (0x100000 + i * 0x1000).toString(16);
    pairs.push(`vhost_vdpa_dma_map vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x${iova} size: 0x1000 uaddr: 0x7f0000000000 perm: 0x3 type: 2`);
    pairs.push(`vhost_vdpa_dma_unmap vdpa:0x55d0 fd: 12 msg_type: 2 asid: 0 iova: 0x${iova} size: 0x1000 type: 3`);
  }
  const cases: [string, string[]][] = [
    ['check /dev/zero', ['check', '/dev/zero']],
    ['replay /dev/zero', ['replay', '/dev/zero']],
    ['--trace-events /dev/zero', ['check', f('one.log', map + '\n'), '--trace-events', '/dev/zero']],
    ['a .ts file as a trace', ['check', f('main.ts', 'export const x = 1;\n')]],
    ['ftrace line, 1 MB of leading blanks', ['check', f('ws.log', ' '.repeat(1 << 20) + 'x tracing_mark_write: y\n' + map + '\n'), '--json']],
    ['six %s over 1 MB of spaces', ['check', f('amb.log', 'vhost_vdpa_set_owner ' + ' '.repeat(1 << 20) + '\n' + map + '\n'), '--trace-events', f('amb.te', 'vhost_vdpa_set_owner(const char *a, const char *b, const char *c, const char *d, const char *e, const char *f) "%s %s %s %s %s %s|"\n'), '--json']],
    ['200k trace-events definitions', ['check', f('two.log', map + '\n'), '--trace-events', f('many.te', many.join('\n'))]],
    ['1M malformed lines', ['check', f('malformed.log', malformed.join('\n')), '--json']],
    ['500k map/unmap pairs', ['check', f('pairs.log', pairs.join('\n')), '--json']],
    ['simpletrace, unknown record type', ['check', f('type7.simpletrace', simpletrace(7n))]],
    ['simpletrace, truncated record', ['check', f('cut.simpletrace', simpletrace(1n).subarray(0, 24 + 11))]],
    ['one 3 MiB line', ['check', f('long.log', 'vhost_vdpa_dma_map ' + 'x'.repeat(3 << 20) + '\n' + map + '\n'), '--json']],
    ['--qemu-log /dev/zero', ['check', f('three.log', map + '\n'), '--qemu-log', '/dev/zero']],
    ['file name with ESC and newline', ['check', f('a\x1b]0;owned\x07b\nc.log', 'not a trace\n')]],
  ];
  console.log('  issue-15 cases (built CLI, child process): exit, wall time to the answer (CPU time), peak RSS, first stderr line');
  for (const [name, args] of cases) {
    const r = runCli(args);
    console.log(`    ${name.padEnd(36)} exit ${r.status}  ${(r.ms / 1000).toFixed(2).padStart(6)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s)  ${r.rssMb.toFixed(0).padStart(5)} MiB  ${r.stderr.split('\n')[0].slice(0, 90)}`);
  }
}

export async function runSoakBench(lines = Number(process.env.IOVA_LENS_SOAK_LINES ?? 1_000_000)): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-soak-'));
  try {
    console.log('hardening soak');
    packetSoak(1_000_000);
    qmpSoak(1_000_000);
    caseTable(dir);
    await hostilePeerTable();
    const trace = join(dir, 'fuzz.log');
    await fuzzTrace(trace, lines);
    const r = runCli(['check', trace, '--json']);
    let summary = '';
    try {
      const j = JSON.parse(r.stdout) as { lines: number; events: number; unknown_events: number; diagnostics: { code: string }[] };
      const byCode: Record<string, number> = {};
      for (const d of j.diagnostics) byCode[d.code] = (byCode[d.code] ?? 0) + 1;
      summary = `${j.lines} lines, ${j.events} events (${j.unknown_events} unknown), diagnostics ${JSON.stringify(byCode)}`;
    } catch {
      summary = `no JSON: ${r.stderr.slice(0, 200)}`;
    }
    console.log(`  trace lines: ${lines} fuzzed lines, check exit ${r.status} in ${(r.ms / 1000).toFixed(1)} s (CPU ${(r.cpuMs / 1000).toFixed(1)} s), peak RSS ${r.rssMb.toFixed(0)} MiB; ${summary}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
