// "Attach to QEMU…": offers the QEMUs it can see (their QMP sockets and gdbstubs) plus manual
// entry, then starts an iova-lens attach session.
import * as vscode from 'vscode';
import { DEBUG_TYPE } from '../debug/args.js';
import { discoverQemus, type QemuCandidate } from '../qemu/discover.js';
import type { Log } from './log.js';

type Pick = vscode.QuickPickItem & { candidate?: QemuCandidate };

const QMP_PATTERN = /^(unix:.+|tcp:.+:\d+)$/;

export async function attachToQemu(log: Log): Promise<void> {
  const found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Looking for QEMU processes' }, () => discoverQemus());
  log.info(`attach: found ${found.length} QMP endpoint(s)`);
  const items: Pick[] = found.map((c) => ({
    label: c.label,
    description: c.qmp,
    detail: [c.gdb ? `gdbstub ${c.gdb}` : 'no gdbstub: memory, registers and VT-d walks unavailable', c.caveat].filter(Boolean).join(' — '),
    candidate: c,
  }));
  if (found.length === 0) {
    // say so in the list itself, with what would make a QEMU show up here
    items.push({ label: 'No running QEMU with a QMP socket found', kind: vscode.QuickPickItemKind.Separator });
    void vscode.window.setStatusBarMessage('IOVA Lens: no running QEMU with a QMP socket found', 10_000);
  }
  items.push({
    label: '$(edit) Enter a QMP socket…',
    description: 'unix:PATH or tcp:HOST:PORT',
    ...(found.length === 0 ? { detail: 'Start QEMU with -qmp unix:/tmp/qmp.sock,server=on,wait=off (and -gdb tcp::1234 for memory, registers and VT-d walks), or enter its socket' } : {}),
  });
  const pick = await vscode.window.showQuickPick(items, {
    title: found.length ? `Attach to QEMU (${found.length} found)` : 'Attach to QEMU: none found',
    placeHolder: found.length ? 'A running QEMU' : 'No QEMU with a QMP socket found: enter its socket',
    matchOnDescription: true,
  });
  if (!pick) return;
  let qmp = pick.candidate?.qmp;
  let gdb = pick.candidate?.gdb;
  if (!qmp) {
    qmp = await vscode.window.showInputBox({
      title: 'QMP socket',
      prompt: 'As given to -qmp: unix:/path/to/qmp.sock or tcp:127.0.0.1:4444',
      validateInput: (v) => (QMP_PATTERN.test(v.trim()) ? undefined : 'expected unix:PATH or tcp:HOST:PORT'),
    });
    if (!qmp) return;
    gdb = await vscode.window.showInputBox({
      title: 'gdbstub (optional)',
      prompt: 'HOST:PORT of -gdb, or empty for none',
      validateInput: (v) => (v.trim() === '' || /^(tcp:)?[^:]*:\d+$/.test(v.trim()) ? undefined : 'expected HOST:PORT'),
    });
    if (gdb === undefined) return;
    gdb = gdb.trim() || undefined;
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  const ok = await vscode.debug.startDebugging(folder, {
    type: DEBUG_TYPE,
    request: 'attach',
    name: `Attach to ${pick.candidate?.label ?? qmp}`,
    qmp: qmp.trim(),
    ...(gdb ? { gdb } : {}),
  });
  if (!ok) log.warn(`attach to ${qmp} did not start`);
}
