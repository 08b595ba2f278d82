// Small HMP answers and HMP's way of failing: a QMP success whose text is an error message.
import { HmpError, QemuParseError } from '../errors.js';
import { add64, hex } from '../../model/u64.js';

/** Lines QEMU's monitor prints instead of a result, for the commands we use. */
const HMP_FAILURES: RegExp[] = [
  /^unknown command: /m, // no such HMP command (e.g. older QEMU)
  /^Try "help [^"]*" for more information$/m, // argument parsing failed
  /^Error: /m,
  /^No memory is mapped at address 0x[0-9a-f]+$/m, // gpa2hva
  /^Memory at address 0x[0-9a-f]+\s*is not RAM$/m, // gpa2hva (QEMU omits the space)
  /^Size of memory region at 0x[0-9a-f]+ exceeded\.$/m, // gpa2hva
];

/** Throw HmpError if `text` is one of the failure messages above. */
export function checkHmpText(commandLine: string, text: string): void {
  if (HMP_FAILURES.some((re) => re.test(text))) throw new HmpError(commandLine, text);
}

export interface Gpa2Hva {
  gpa: bigint;
  /** RAM region name, e.g. "pc.ram". */
  region: string;
  hva: bigint;
}

const GPA2HVA = /^Host virtual address for 0x(?<gpa>[0-9a-f]+) \((?<region>.*)\) is (?:0x)?(?<hva>[0-9a-f]+)$/;

export function parseGpa2Hva(text: string): Gpa2Hva {
  const line = text.trim();
  checkHmpText('gpa2hva', line);
  const m = GPA2HVA.exec(line);
  if (!m?.groups) throw new QemuParseError('gpa2hva', 1, line, 'expected "Host virtual address for 0x… (REGION) is 0x…"');
  return { gpa: BigInt('0x' + m.groups.gpa), region: m.groups.region, hva: BigInt('0x' + m.groups.hva) };
}

// `xp /Nxb ADDR` prints lines "%016x: 0x.. 0x.." (8 bytes a line); an inaccessible address
// (nothing mapped there) ends the dump with "ADDR: Cannot access memory".
const XP_LINE = /^(?<addr>[0-9a-f]{16}):(?<vals>(?: 0x[0-9a-f]{2})+)$/;
const XP_FAIL = /^(?<addr>[0-9a-f]{16}): Cannot access memory$/;

/** Decode a byte dump; throws naming the first address QEMU could not read. */
export function parseXpBytes(commandLine: string, text: string, gpa: bigint, len: number): Uint8Array {
  checkHmpText(commandLine, text);
  const out = new Uint8Array(len);
  let n = 0;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const fail = XP_FAIL.exec(line);
    if (fail?.groups) throw new HmpError(commandLine, `guest-physical ${hex(BigInt('0x' + fail.groups.addr))}: Cannot access memory (nothing mapped there)`);
    const m = XP_LINE.exec(line);
    if (!m?.groups) throw new QemuParseError(commandLine, i + 1, line, 'not an "ADDR: 0x.. 0x.." byte dump line');
    const addr = BigInt('0x' + m.groups.addr);
    // The dump address is a u64 and wraps like one.
    const want = add64(gpa, BigInt(n));
    if (addr !== want) throw new QemuParseError(commandLine, i + 1, line, `dump line address, expected ${hex(want)}`);
    for (const v of m.groups.vals.trim().split(' ')) {
      if (n >= len) throw new QemuParseError(commandLine, i + 1, line, `more than the ${len} bytes asked for`);
      out[n++] = parseInt(v.slice(2), 16);
    }
  });
  if (n !== len) throw new QemuParseError(commandLine, 0, text.slice(0, 80), `got ${n} bytes, asked for ${len}`);
  return out;
}
