// Live snapshot of a running VM's DMA view: memory map, VT-d state, virtqueues and their chains.
export * from './types.js';
export { takeSnapshot, type SnapshotPeers } from './takeSnapshot.js';
export { snapshotJson, snapshotText } from './snapshotReport.js';
export { LiveSession, GuestReadError } from './liveSession.js';
export { readLiveMemory, buildLiveMemory, type LiveMemory } from './memoryMap.js';
export { readVtdRegisters, decodeVtdRegisters, vtdConfigFromCaps, Q35_VTD_BASE } from './vtdRegisters.js';
export { DeviceDma, newDmaSetup, type DmaSetup } from './deviceDma.js';
export { walkLiveGiova } from './liveGiova.js';
export { matchVirtioPci, dmaViewOf } from './devicePlacement.js';
export { splitChain, packedChain, descFlagNames, decodeDesc, type RawDesc, type ChainResult } from './virtqueueChain.js';
