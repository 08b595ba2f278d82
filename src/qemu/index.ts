// Public surface of the live-QEMU layer: transports, the QMP and gdbstub clients, and the
// parsers that turn QEMU's answers into plain data for the model.
export * from './errors.js';
export { parseEndpoint, formatEndpoint, openSocket, EndpointSyntaxError, type Endpoint } from './endpoint.js';
export { QmpClient, type QmpEvent, type QmpOptions, type QmpVersion } from './qmp/qmpClient.js';
export { QemuMonitor, type RunState, type QomProperty } from './qmp/qemuMonitor.js';
export { parseJsonLossless, stringifyJson, type JsonValue } from './qmp/losslessJson.js';
export { GdbClient, parseStopReply, type GdbOptions, type StopReply } from './gdb/gdbClient.js';
export type { GdbMemory } from './gdb/gdbMemory.js';
export type { GdbRegisters } from './gdb/gdbRegisters.js';
export type { RegisterDesc } from './gdb/x86Registers.js';
export * from './parse/mtreeFlat.js';
export * from './parse/mtreeTree.js';
export type { MtreeKind } from './parse/mtreeLine.js';
export * from './parse/ramblock.js';
export * from './parse/hmpAnswers.js';
export * from './parse/virtio.js';
export * from './parse/pci.js';
export { QmpShapeError } from './parse/jsonShape.js';
