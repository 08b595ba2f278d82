// Type layouts from QEMU's debug information: a struct's size and the offsets of the fields a
// reader needs, all asked at once (the requests are pipelined). Never hard-coded: 7.2 and 10.x
// differ, and so may any QEMU a user builds.
import type { QemuMemory } from './qemuMemory.js';

export interface Layout<F extends string> {
  type: string;
  size: bigint;
  off: Record<F, bigint>;
}

export async function layoutOf<F extends string>(mem: QemuMemory, type: string, fields: readonly F[]): Promise<Layout<F>> {
  const [size, ...offs] = await Promise.all([mem.sizeOf(type), ...fields.map((f) => mem.offsetOf(type, f))]);
  const off = {} as Record<F, bigint>;
  fields.forEach((f, i) => (off[f] = offs[i]!));
  return { type, size: size!, off };
}

/** Whether the debug information knows `type` (or `type.field`): a version probe, not a guess. */
export async function hasField(mem: QemuMemory, type: string, field?: string): Promise<boolean> {
  try {
    await (field === undefined ? mem.sizeOf(type) : mem.offsetOf(type, field));
    return true;
  } catch {
    return false;
  }
}

/** A bound on every linked list IOVA Lens follows in QEMU (a corrupt or cyclic list stops here). */
export const MAX_LIST = 65_536;
