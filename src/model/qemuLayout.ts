// Which VhostIOVATree layout QEMU used, one vocabulary for every surface (CLI --qemu-layout, the
// iovaLens.qemuLayout setting, the debug configuration's qemuLayout, the language server):
//  - 'legacy': QEMU 7.0 … 9.2, one IOVA-keyed tree whose translated_addr is an HVA;
//  - 'current': QEMU 10.0 and later, the allocator plus the GPA→IOVA and HVA→IOVA trees;
//  - 'auto': decide from the trace (the replay tries both and keeps the one the trace agrees with).
export type QemuLayout = 'legacy' | 'current' | 'auto';

export const QEMU_LAYOUTS: readonly QemuLayout[] = ['auto', 'legacy', 'current'];

export const isQemuLayout = (v: unknown): v is QemuLayout => typeof v === 'string' && (QEMU_LAYOUTS as readonly string[]).includes(v);

/** A setting's value as a layout: unset or "" (the setting's old "decide from the trace") is 'auto'. */
export function layoutOrAuto(v: unknown): QemuLayout {
  return isQemuLayout(v) ? v : 'auto';
}
