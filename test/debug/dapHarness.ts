// The standalone adapter under test (node dist/debugAdapter.js) as the DAP suites start it:
// built once before the suite, one DebugClient per test, waits well under the test timeout so
// a hang fails with the wait's message.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { before, after } from 'node:test';
import { startGuest, type Guest } from '../harness/guest.js';

export const ROOT = join(__dirname, '../..');
export const ADAPTER = join(ROOT, 'dist/debugAdapter.js');
export const WAIT_MS = 8000;
export const TEST = { timeout: 60_000 };

/** Bundle dist/ (atomic writes: safe while other suites run it). */
export function buildAdapter(): void {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, `build failed: ${b.stderr}`);
}

export async function startAdapter(init: Partial<DebugProtocol.InitializeRequestArguments> = {}): Promise<DebugClient> {
  const dc = new DebugClient(process.execPath, ADAPTER, 'iova-lens', { cwd: ROOT }, true);
  dc.defaultTimeout = WAIT_MS;
  await dc.start();
  await dc.initializeRequest({ adapterID: 'iova-lens', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path', ...init });
  return dc;
}

/** Attach arguments for a test guest: its QMP socket and gdbstub, plus overrides. */
export const guestAttachArgs = (guest: Guest, over: Record<string, unknown> = {}): DebugProtocol.AttachRequestArguments =>
  ({ qmp: `unix:${guest.qmpPath}`, gdb: `127.0.0.1:${guest.gdbPort}`, ...over }) as DebugProtocol.AttachRequestArguments;

/** One real guest for a suite: the adapter is built and the guest booted before, disposed after. */
export function withSuiteGuest(onStart: (g: Guest) => void): void {
  let g: Guest | undefined;
  before(async () => {
    buildAdapter();
    g = await startGuest();
    onStart(g);
  });
  after(async () => {
    await g?.dispose();
  });
}
