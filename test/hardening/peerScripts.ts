// Hostile QMP and gdbstub peers on real unix sockets, for the CLI run as a child process (the
// hardening suite) and for the soak bench's case table. The QMP peer answers every command from
// QEMU 7.2's real answers (samples/qemu-7.2-vtd-net/qmp.json) unless the case overrides one;
// the gdbstub answers the handshake and then misbehaves as the case says. Each case calls
// `fault()` at the moment its peer misbehaves: the time limit counts from there.
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakePeer, gdbFrame, onQmpCommands, QMP_GREETING, type FakePeer } from '../qemu/fakePeers.js';

type QmpCommand = { execute: string; id: unknown; arguments?: Record<string, unknown> };
/** What a case does with one QMP command: an answer object to send, 'sample' or 'silent'. */
export type QmpOverride = (cmd: QmpCommand, s: Socket, fault: () => void) => 'sample' | 'handled';
/** What a case's gdbstub does after the handshake (qSupported answered). */
export type GdbBehaviour = (packet: string, s: Socket, fault: () => void) => void;

const SAMPLE = JSON.parse(readFileSync(join(__dirname, '../../samples/qemu-7.2-vtd-net/qmp.json'), 'utf8')) as Record<string, { answer: unknown }>;

/** The sample's key of a command: the HMP command line, or the command and its argument values. */
function sampleKey(cmd: QmpCommand): string {
  if (cmd.execute === 'human-monitor-command') return String(cmd.arguments?.['command-line']);
  return [cmd.execute, ...Object.values(cmd.arguments ?? {}).map(String)].join(' ');
}

export function answerFromSample(cmd: QmpCommand, s: Socket): void {
  const entry = SAMPLE[sampleKey(cmd)];
  const answer = entry ? entry.answer : { error: { class: 'CommandNotFound', desc: `The command ${cmd.execute} has not been found` } };
  s.write(JSON.stringify({ ...(answer as object), id: cmd.id }) + '\r\n');
}

export async function sampleQmpPeer(override: QmpOverride, fault: () => void): Promise<FakePeer> {
  return fakePeer((s) => {
    s.write(QMP_GREETING);
    onQmpCommands(s, (cmd) => {
      if (cmd.execute === 'qmp_capabilities') s.write(JSON.stringify({ return: {}, id: cmd.id }) + '\r\n');
      else if (override(cmd, s, fault) === 'sample') answerFromSample(cmd, s);
    });
  });
}

/** A gdbstub that acks and answers qSupported, then hands every packet to `behave`. */
export async function hostileGdbPeer(behave: GdbBehaviour, fault: () => void): Promise<FakePeer> {
  return fakePeer((s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        let skip = 0; // acks and the interrupt byte
        while (skip < buf.length && (buf[skip] === '+' || buf.charCodeAt(skip) === 3)) skip++;
        buf = buf.slice(skip);
        const m = /^\$([^#]*)#[0-9a-f]{2}/.exec(buf);
        if (!m) return;
        buf = buf.slice(m[0].length);
        s.write('+');
        if (m[1].startsWith('qSupported')) s.write(gdbFrame('PacketSize=1000;qXfer:features:read+'));
        else behave(m[1], s, fault);
      }
    });
  });
}

/** The 1 MiB run-length bomb of issue 15: `X*~` repeated, each `*~` asking for 97 repeats. */
export const RUN_LENGTH_BOMB = Buffer.concat([Buffer.from('$X'), Buffer.alloc((1 << 20) - 16, '*~'), Buffer.from('#00')]);

export interface PeerCase {
  name: string;
  /** extra CLI arguments (e.g. --timeout) */
  args?: string[];
  qmp?: QmpOverride;
  /** with a gdbstub: what it does after the handshake */
  gdb?: GdbBehaviour;
  exit: number;
  /** the one line on stderr */
  message: RegExp;
  /** for a case that ends in a (partial) result: what stdout must say */
  stdout?: RegExp;
  /** time from the fault to the exit allowed before the child is killed (a hang) */
  limitMs: number;
  maxRssMb: number;
}

/**
 * A 16 MB `info mtree -f` of 100k more lines: the sample's answer with 100k small MMIO regions
 * above 8 GiB added to the "memory" FlatView (a guest with many device regions), a legal answer.
 */
export function hugeFlatView(): string {
  const text = (SAMPLE['info mtree -f'].answer as { return: string }).return;
  const at = text.indexOf('\r\n\r\n', text.indexOf(' AS "memory", root: system'));
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const base = 0x200000000n + BigInt(i) * 0x1000n;
    lines.push(`  ${base.toString(16).padStart(16, '0')}-${(base + 0xfffn).toString(16).padStart(16, '0')} (prio 0, i/o): many-regions-bar-${String(i).padStart(6, '0')}-of-a-device-with-a-long-name-padding-padding-padding-padding`);
  }
  return text.slice(0, at) + '\r\n' + lines.join('\r\n') + text.slice(at);
}

/** What a well-behaved gdbstub answers (a paused VM, memory of zeros, physical mode on request). */
export function gdbAnswer(p: string): string {
  if (p === '?') return 'T05thread:01;';
  if (p === 'qqemu.PhyMemMode') return '0';
  if (p.startsWith('Q')) return 'OK';
  if (p.startsWith('m')) return '00'.repeat(Math.min(Number('0x' + (p.split(',')[1] ?? '0')), 4096));
  return '';
}

/** A stub that behaves until the first memory read, then does `hostile` once (the fault). */
const atFirstRead = (hostile: (s: Socket) => void): GdbBehaviour => {
  let done = false;
  return (p, s, fault) => {
    if (done || !p.startsWith('m')) return void s.write(gdbFrame(gdbAnswer(p)));
    done = true;
    fault();
    hostile(s);
  };
};

const onQmp = (key: string, hostile: (cmd: QmpCommand, s: Socket) => void): QmpOverride => (cmd, s, fault) => {
  if (sampleKey(cmd) !== key) return 'sample';
  fault();
  hostile(cmd, s);
  return 'handled';
};

const qmpAnswer = (cmd: QmpCommand, answer: unknown): string => JSON.stringify({ ...(answer as object), id: cmd.id }) + '\r\n';
const VIRTIO_STATUS = 'x-query-virtio-status /machine/peripheral-anon/device[1]/virtio-backend';
const SNAP = 'iova-lens snapshot: ';

/** Every hostile-peer case of issue 15 (and a few more), each a fresh script (the peers keep state). */
export function peerCases(): PeerCase[] {
  return [
    { name: 'gdb: a 1 MiB run-length bomb answers a memory read', gdb: atFirstRead((s) => s.write(RUN_LENGTH_BOMB)), exit: 2, message: new RegExp(`^${SNAP}.*packet decodes to more than 1048576 bytes`), limitMs: 2000, maxRssMb: 400 },
    {
      name: 'gdb: an unsolicited $Tzz while nothing is asked',
      gdb: (() => {
        let sent = false;
        return (p: string, s: Socket, fault: () => void) => {
          s.write(gdbFrame(gdbAnswer(p)));
          if (sent || p !== 'Qqemu.PhyMemMode:1') return;
          sent = true;
          fault();
          s.write(gdbFrame('Tzz'));
        };
      })(),
      exit: 2,
      message: new RegExp(`^${SNAP}.*not a stop reply: "Tzz"`),
      limitMs: 2000,
      maxRssMb: 300,
    },
    { name: 'gdb: W00 (QEMU exited) right after the handshake', gdb: (_p, s, fault) => (fault(), s.write(gdbFrame('W00'))), exit: 2, message: new RegExp(`^${SNAP}.*QEMU exited \\(W00\\)`), limitMs: 2000, maxRssMb: 300 },
    { name: 'gdb: garbage between packets', gdb: atFirstRead((s) => s.write('hello')), exit: 2, message: new RegExp(`^${SNAP}.*unexpected byte 0x68 between packets`), limitMs: 2000, maxRssMb: 300 },
    { name: 'gdb: a packet with no end (over 1 MiB)', gdb: atFirstRead((s) => s.write('$' + 'a'.repeat((1 << 20) + 10))), exit: 2, message: new RegExp(`^${SNAP}.*packet longer than 1048576 bytes`), limitMs: 2000, maxRssMb: 300 },
    { name: 'gdb: bad checksums, again and again', gdb: atFirstRead((s) => s.write('$OK#00$OK#00$OK#00$OK#00')), exit: 2, message: new RegExp(`^${SNAP}.*4 packets with a bad checksum`), limitMs: 2000, maxRssMb: 300 },
    { name: 'gdb: silent from a memory read on (default timeout)', gdb: atFirstRead(() => undefined), exit: 2, message: new RegExp(`^${SNAP}.*no answer within 2000 ms`), limitMs: 4000, maxRssMb: 300 },
    { name: 'gdb: hangs up during a memory read', gdb: atFirstRead((s) => s.destroy()), exit: 2, message: new RegExp(`^${SNAP}.*socket closed by the gdbstub`), limitMs: 2000, maxRssMb: 300 },
    { name: 'QMP: silent, with --timeout 300', args: ['--timeout', '300'], qmp: onQmp('query-version', () => undefined), exit: 2, message: new RegExp(`^${SNAP}.*no answer within 300 ms`), limitMs: 2000, maxRssMb: 300 },
    { name: 'QMP: hangs up in the middle of a command', qmp: onQmp('query-pci', (_c, s) => s.end()), exit: 2, message: new RegExp(`^${SNAP}connection to unix:.* lost while waiting for QMP query-pci: socket closed by QEMU$`, 'm'), limitMs: 2000, maxRssMb: 300 },
    { name: 'QMP: silent (default timeout)', qmp: onQmp('query-pci', () => undefined), exit: 2, message: new RegExp(`^${SNAP}.*no answer within 2000 ms`), limitMs: 4000, maxRssMb: 300 },
    {
      name: 'QMP: num-vqs of 100000000 (the device is reported, the rest stands)',
      qmp: onQmp(VIRTIO_STATUS, (c, s) => s.write(qmpAnswer(c, { return: { ...(SAMPLE[VIRTIO_STATUS].answer as { return: object }).return, 'num-vqs': 100000000 } }))),
      // the rest of the snapshot stands; the device's entry says what QEMU got wrong
      exit: 0,
      message: /^$/,
      stdout: /virtio-backend: x-query-virtio-status: member "num-vqs" should be a count from 0 to 1024, got 100000000/,
      limitMs: 2000,
      maxRssMb: 300,
    },
    { name: 'QMP: a non-string HMP answer', qmp: onQmp('info mtree -f', (c, s) => s.write(qmpAnswer(c, { return: { text: 5 } }))), exit: 2, message: new RegExp(`^${SNAP}.*human-monitor-command "info mtree -f": member "return" should be a string`), limitMs: 2000, maxRssMb: 300 },
    { name: 'QMP: a line that is not JSON', qmp: onQmp('query-version', (_c, s) => s.write('this is not json\r\n')), exit: 2, message: new RegExp(`^${SNAP}.*expected "\\{" between messages`), limitMs: 2000, maxRssMb: 300 },
    { name: 'QMP: nested 100000 levels deep', qmp: onQmp('query-version', (_c, s) => s.write('{"return": ' + '['.repeat(100000))), exit: 2, message: new RegExp(`^${SNAP}.*nested deeper than 256 levels`), limitMs: 2000, maxRssMb: 300 },
    {
      name: 'QMP: a reply over 32 Mi characters',
      // what is under test is the size limit, not the per-command timeout: 40 MiB take a while
      // through a socket on a loaded machine
      args: ['--timeout', '60000'],
      qmp: onQmp('query-version', (_c, s) => {
        s.write('{"return": "');
        const piece = Buffer.alloc(1 << 20, 'a');
        for (let i = 0; i < 40; i++) s.write(piece);
      }),
      exit: 2,
      message: new RegExp(`^${SNAP}.*message longer than 33554432 characters`),
      limitMs: 5000,
      maxRssMb: 300,
    },
  ];
}
