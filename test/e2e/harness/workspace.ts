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

export function makeWorkspace(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-e2e-ws-'));
  for (const [name, sample] of Object.entries(FIXTURES)) copyFileSync(join(root, 'samples', sample), join(dir, name));
  return dir;
}

/** .vscode/launch.json with one iova-lens attach configuration. */
export function writeAttachConfig(workspace: string, name: string, qmp: string, gdb: string): void {
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  const launch = { version: '0.2.0', configurations: [{ type: 'iova-lens', request: 'attach', name, qmp, gdb }] };
  writeFileSync(join(workspace, '.vscode/launch.json'), JSON.stringify(launch, null, 2));
}
