// QEMU 7.2's real answers from samples/qemu-7.2-vtd-net/qmp.json, keyed as in the file.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJsonLossless, type JsonValue } from '../../src/qemu/qmp/losslessJson.js';

type Obj = { [k: string]: JsonValue };
const file = resolve('samples/qemu-7.2-vtd-net/qmp.json');
// Lossless: the sample holds u64 values (feature bitmaps) that doubles would round.
const all = parseJsonLossless(readFileSync(file, 'utf8')) as Obj;

export const NET_PATH = '/machine/peripheral-anon/device[1]/virtio-backend';

/** The `answer` member of an entry (the full QMP reply object). */
export function sampleAnswer(key: string): Obj {
  const entry = all[key] as Obj | undefined;
  if (!entry) throw new Error(`${file}: no entry ${JSON.stringify(key)}`);
  return entry.answer as Obj;
}

/** The `return` value of an entry; HMP text keeps QEMU's \r\n. */
export const sampleReturn = (key: string): JsonValue => sampleAnswer(key).return;
export const sampleText = (key: string): string => sampleReturn(key) as string;

/**
 * The first 0x28 bytes of the capture's VT-d register block as a gdbstub read returns them: VER,
 * CAP (MGAW 38 so aw-bits 39, SAGAW 3-level, caching mode), ECAP (QI, DT, PT: device-iotlb=on),
 * GSTS (translation and root table enabled) and RTADDR.
 */
export function vtdRegisterBlock(rtaddr: bigint): Buffer {
  const cap = (38n << 16n) | (2n << 8n) | (1n << 7n) | 2n;
  const ecap = (1n << 1n) | (1n << 2n) | (1n << 6n);
  const gsts = (1n << 31n) | (1n << 30n);
  const b = Buffer.alloc(0x28);
  b.writeBigUInt64LE(0x10n, 0);
  b.writeBigUInt64LE(cap, 0x08);
  b.writeBigUInt64LE(ecap, 0x10);
  b.writeBigUInt64LE(gsts << 32n, 0x18);
  b.writeBigUInt64LE(rtaddr, 0x20);
  return b;
}
