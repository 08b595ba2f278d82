// Part 9: reading QEMU's own state from the QEMU process (see readInternals.ts).
export { readQemuInternals, readQemuCore, readInternalsFrom, snapshotInternals } from './readInternals.js';
export { QemuUnderGdb } from './qemuUnderGdb.js';
export { internalsJson, internalsText } from './internalsReport.js';
export { GdbQemuMemory } from './gdbQemuMemory.js';
export type { QemuMemory } from './qemuMemory.js';
export * from './errors.js';
export { CSessionMemory, type CSessionMemoryOptions, type DapRequester } from './csession/cSessionMemory.js';
export { CSessionError, type CSessionFailure } from './csession/cSessionErrors.js';
export { readInternalsThroughSession } from './csession/readThroughSession.js';
export { qmpMemoryMapOf } from './qmpMemoryMap.js';
