// QEMU's internals read through the user's own C/C++ debug session, stopped in QEMU: the same
// readers and checks as the headless gdb (readInternalsFrom), with no attach or detach — the
// user holds QEMU stopped, so `stoppedMs` is 0 (IOVA Lens stopped nothing).
import type { QemuInternals } from '../../../model/qemuInternals.js';
import { readInternalsFrom } from '../readInternals.js';
import { CSessionMemory, type CSessionMemoryOptions, type DapRequester } from './cSessionMemory.js';

export async function readInternalsThroughSession(dap: DapRequester, opts: CSessionMemoryOptions): Promise<QemuInternals> {
  const mem = await CSessionMemory.open(dap, opts);
  return { ...(await readInternalsFrom(mem)), stoppedMs: 0 };
}
