// The QOM type name of an object (Object.class->type->name), read, never asked of QEMU.
import { readCString, type QemuMemory } from '../qemuMemory.js';
import { Bytes } from '../qemuMemory.js';

export async function qomTypeName(mem: QemuMemory, obj: bigint): Promise<string> {
  const [oc, ct, tn] = await Promise.all([mem.offsetOf('Object', 'class'), mem.offsetOf('ObjectClass', 'type'), mem.offsetOf('struct TypeImpl', 'name')]);
  const cls = new Bytes(await mem.read(obj + oc, 8), 'Object.class').u64(0n);
  const type = new Bytes(await mem.read(cls + ct, 8), 'ObjectClass.type').u64(0n);
  const name = new Bytes(await mem.read(type + tn, 8), 'TypeImpl.name').u64(0n);
  return readCString(mem, name, 128);
}
