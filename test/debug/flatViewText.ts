// The system FlatView read straight from QEMU's `info mtree -f` text (the block whose address
// spaces include "memory"), independently of src/qemu/parse, so tests compare against QEMU itself.
import assert from 'node:assert/strict';

export interface FlatRange {
  start: string;
  last: string;
  kind: string;
  name: string;
}

export function systemFlatView(text: string): FlatRange[] {
  const block = text.split(/\r?\n\r?\n/).find((b) => /^ AS "memory", root:/m.test(b));
  assert.ok(block, 'info mtree -f has the FlatView of address space "memory"');
  return [...block.matchAll(/^ {2}([0-9a-f]{16})-([0-9a-f]{16}) \(prio -?\d+, ([a-z/]+)\): (.+?)(?: @[0-9a-f]+)?\r?$/gm)].map((m) => ({
    start: '0x' + BigInt('0x' + m[1]).toString(16),
    last: '0x' + BigInt('0x' + m[2]).toString(16),
    kind: m[3]!,
    name: m[4]!,
  }));
}
