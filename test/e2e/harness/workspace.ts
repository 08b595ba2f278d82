// The folder the workbench opens: copies of the shared fixture traces under names the
// extension's filenamePatterns (trace-*.log) recognise, and a launch.json written on demand.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Workspace file name → sample it copies (relative to the repository's samples/). */
export const FIXTURES = {
  'trace-legacy.log': 'aliased-unmap-svq-legacy.log',
  'trace-vtd.log': 'qemu-7.2-vtd-net/trace.log',
} as const;

/** A C file with a guest-physical address literal, for the hover in C while a VM is attached. */
export const PROBE_C = { name: 'probe.c', literal: '0x1000ULL', gpa: 0x1000n } as const;

export function makeWorkspace(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-e2e-ws-'));
  for (const [name, sample] of Object.entries(FIXTURES)) copyFileSync(join(root, 'samples', sample), join(dir, name));
  writeFileSync(join(dir, PROBE_C.name), `#include <stdint.h>\n\n/* a guest-physical address in low guest RAM */\nuint64_t gpa = ${PROBE_C.literal};\n`);
  return dir;
}

/** .vscode/launch.json with one iova-lens attach configuration. */
export function writeAttachConfig(workspace: string, name: string, qmp: string, gdb: string): void {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  const launch = { version: '0.2.0', configurations: [{ type: 'iova-lens', request: 'attach', name, qmp, gdb }] };
  writeFileSync(join(workspace, '.vscode/launch.json'), JSON.stringify(launch, null, 2));
}

/**
 * A workspace whose launch.json starts "QEMU" — a script that only leaves `marker` behind, so a
 * test can tell whether anything was launched.
 */
export function makeLaunchWorkspace(name: string, marker: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-e2e-untrusted-'));
  const fakeQemu = join(dir, 'fake-qemu.sh');
  writeFileSync(fakeQemu, `#!/bin/sh\necho "launched $*" > '${marker}'\n`, { mode: 0o755 });
  mkdirSync(join(dir, '.vscode'));
  const launch = { version: '0.2.0', configurations: [{ type: 'iova-lens', request: 'launch', name, qemu: fakeQemu, args: ['-M', 'q35'] }] };
  writeFileSync(join(dir, '.vscode/launch.json'), JSON.stringify(launch, null, 2));
  return dir;
}
