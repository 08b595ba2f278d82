// Which source files with runtime code no product entry point runs. esbuild bundles each entry as
// the build does and its metafile lists every file the bundle pulled in by a runtime import
// (TypeScript's type-only imports are dropped before they are followed); a file that compiles to
// code of its own and is in no bundle's list is dead.
import * as esbuild from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Entry {
  file: string;
  platform: 'node' | 'browser';
}

/** The bundles the build ships (scripts/build.mjs): extension, language server, debug adapter, CLI, large-trace worker, webviews. */
export const PRODUCT_ENTRIES: Entry[] = [
  { file: 'src/extension/extension.ts', platform: 'node' },
  { file: 'src/server/server.ts', platform: 'node' },
  { file: 'src/debug/debugAdapter.ts', platform: 'node' },
  { file: 'src/cli/main.ts', platform: 'node' },
  { file: 'src/large/worker.ts', platform: 'node' },
  { file: 'webview/tree/main.ts', platform: 'browser' },
  { file: 'webview/traceViewer/main.ts', platform: 'browser' },
];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Whether the file compiles to code of its own (not only types, not only re-exports). */
async function hasRuntimeCode(file: string): Promise<boolean> {
  const { code } = await esbuild.transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' });
  const own = code
    .replace(/^\s*export\s*\{[^}]*\}\s*(from\s*['"][^'"]+['"])?;?\s*$/gm, '')
    .replace(/^\s*export\s*\*\s*(as\s+\w+\s+)?from\s*['"][^'"]+['"];?\s*$/gm, '')
    .replace(/^\s*import\s[^;]*;\s*$/gm, '');
  return own.trim() !== '';
}

/** Files under `dir` (relative to `cwd`, '/'-separated) with runtime code that no entry bundles. */
export async function unreachedFiles(cwd: string, entries: Entry[], dir: string): Promise<string[]> {
  const reached = new Set<string>();
  for (const e of entries) {
    const r = await esbuild.build({
      absWorkingDir: cwd,
      entryPoints: [e.file],
      bundle: true,
      write: false,
      metafile: true,
      platform: e.platform,
      format: e.platform === 'node' ? 'cjs' : 'iife',
      external: ['vscode'],
      outfile: 'reach.js',
      logLevel: 'silent',
    });
    for (const input of Object.keys(r.metafile.inputs)) reached.add(input);
  }
  const out: string[] = [];
  for (const abs of tsFiles(join(cwd, dir)).sort()) {
    const rel = relative(cwd, abs).split('\\').join('/');
    if (!reached.has(rel) && (await hasRuntimeCode(abs))) out.push(rel);
  }
  return out;
}
