// The same end-to-end checks in a real VS Code desktop (Electron), for machines that can
// download one: @vscode/test-electron fetches VS Code, starts it on a workspace holding copies
// of the fixture traces with this repository as the extension under development, and runs
// suite/index.ts in its extension host. Run: node --import tsx test/e2e/electron/runTest.ts
// (after npm run build). Exits non-zero when a check fails.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runTests } from '@vscode/test-electron';
import { makeWorkspace } from '../harness/workspace.js';

const ROOT = join(__dirname, '../../..');

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'iova-lens-electron-'));
  const workspace = makeWorkspace(ROOT);
  try {
    // the extension host loads plain CommonJS: bundle the suite (vscode stays the host's)
    const suite = join(out, 'suite.js');
    await build({ entryPoints: [join(__dirname, 'suite/index.ts')], outfile: suite, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], logLevel: 'warning' });
    await runTests({
      version: process.env.IOVA_LENS_VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: { IOVA_LENS_E2E_WORKSPACE: workspace },
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', `--user-data-dir=${join(out, 'user-data')}`],
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`VS Code end-to-end suite failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
