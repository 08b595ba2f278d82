// readMemory / writeMemory: DAP's base64 buffers on one side, space-named memory references on
// the other (gpa:…, hva:…, giova:BB:DD.F:…), so VS Code's memory view shows the bytes of the
// space the variable lives in.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { QemuTarget } from './target.js';

/** Bigger requests are refused rather than stalling the gdbstub for seconds. */
export const MAX_READ = 1 << 20;

export async function readMemory(target: QemuTarget, args: DebugProtocol.ReadMemoryArguments): Promise<DebugProtocol.ReadMemoryResponse['body']> {
  const count = args.count;
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_READ) throw new Error(`readMemory of ${args.memoryReference}: count ${count} outside 0..${MAX_READ}`);
  const { address, data } = await target.readMemory(args.memoryReference, args.offset ?? 0, count);
  return { address, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

export async function writeMemory(target: QemuTarget, args: DebugProtocol.WriteMemoryArguments): Promise<DebugProtocol.WriteMemoryResponse['body']> {
  const bytes = new Uint8Array(Buffer.from(args.data, 'base64'));
  await target.writeMemory(args.memoryReference, args.offset ?? 0, bytes);
  return { bytesWritten: bytes.length };
}
