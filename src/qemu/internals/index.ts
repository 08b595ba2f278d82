// Part 9: reading QEMU's own state from the QEMU process (see readInternals.ts).
export { readQemuInternals, readQemuCore, readInternalsFrom } from './readInternals.js';
export { internalsJson, internalsText } from './internalsReport.js';
export { GdbQemuMemory } from './gdbQemuMemory.js';
export type { QemuMemory } from './qemuMemory.js';
export * from './errors.js';
