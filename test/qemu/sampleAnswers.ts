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
