// Asking the test guest's QEMU directly over QMP, for what the screen must agree with. QEMU
// serves one QMP client at a time: only while no debug session holds the socket.
import type { Guest } from '../../harness/guest.js';
import { QmpClient } from '../../../src/qemu/qmp/qmpClient.js';
import { QemuMonitor } from '../../../src/qemu/qmp/qemuMonitor.js';

async function withMonitor<T>(g: Guest, f: (m: QemuMonitor) => Promise<T>): Promise<T> {
  const qmp = await QmpClient.connect(`unix:${g.qmpPath}`);
  try {
    return await f(new QemuMonitor(qmp));
  } finally {
    qmp.close();
  }
}

/** query-status: "running", "paused", … */
export const qmpStatus = (g: Guest): Promise<string> => withMonitor(g, async (m) => (await m.queryStatus()).status);

/** An HMP command through human-monitor-command; its raw text. */
export const hmp = (g: Guest, command: string): Promise<string> => withMonitor(g, (m) => m.hmp(command));
