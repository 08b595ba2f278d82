// A test-only VS Code extension that registers Eclipse CDT's GDB debug adapter (cdt-gdb-adapter,
// a devDependency; the marketplace is unreachable here) as debug type `gdb`, the way the CDT GDB
// extension does: `request: attach` with `processId` and `program`, gdb/MI underneath. Packaged
// into a .vsix with the project's vsce and installed into code-server beside IOVA Lens.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
export const CDT_ADAPTER = join(ROOT, 'node_modules/cdt-gdb-adapter/dist/debugAdapter.js');
export const CDT_DEBUG_TYPE = 'gdb';

export function packageCdtExtension(scratch: string): string {
  if (!existsSync(CDT_ADAPTER)) throw new Error(`${CDT_ADAPTER} is missing: run npm ci (cdt-gdb-adapter is a devDependency)`);
  const dir = join(scratch, 'cdt-gdb-test');
  mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'cdt-gdb-test',
    displayName: 'GDB through Eclipse CDT\'s adapter (IOVA Lens tests)',
    description: 'Test-only: debug type gdb served by cdt-gdb-adapter',
    publisher: 'iova-lens-tests',
    version: '0.0.1',
    license: 'EPL-2.0',
    engines: { vscode: '^1.80.0' },
    main: './extension.js',
    activationEvents: [`onDebugResolve:${CDT_DEBUG_TYPE}`, `onDebugAdapterProtocolTracker:${CDT_DEBUG_TYPE}`],
    contributes: { debuggers: [{ type: CDT_DEBUG_TYPE, label: 'GDB (CDT adapter)', languages: ['c', 'cpp'] }], breakpoints: [{ language: 'c' }, { language: 'cpp' }] },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'LICENSE'), 'Test-only extension of IOVA Lens; the adapter it runs is cdt-gdb-adapter (EPL-2.0).\n');
  writeFileSync(join(dir, 'README.md'), '# GDB through cdt-gdb-adapter (IOVA Lens tests)\n');
  // the extension host runs on node: the adapter runs with the same node, from the project's node_modules
  writeFileSync(
    join(dir, 'extension.js'),
    `const vscode = require('vscode');\n` +
      `exports.activate = (context) => {\n` +
      `  context.subscriptions.push(vscode.debug.registerDebugAdapterDescriptorFactory(${JSON.stringify(CDT_DEBUG_TYPE)}, {\n` +
      `    createDebugAdapterDescriptor: () => new vscode.DebugAdapterExecutable(process.execPath, [${JSON.stringify(CDT_ADAPTER)}]),\n` +
      `  }));\n` +
      `};\n`,
  );
  const vsce = join(ROOT, 'node_modules/.bin/vsce');
  const out = join(scratch, 'cdt-gdb-test.vsix');
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '-o', out], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !existsSync(out)) throw new Error(`vsce package of the CDT test extension failed (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(-1500)}`);
  return out;
}
