// One esbuild script for every entry point: extension, language server,
// standalone debug adapter, CLI and webview.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'src/server/server.ts', out: 'server' },
  { in: 'src/debug/debugAdapter.ts', out: 'debugAdapter' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
];

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'node20',
};

const contexts = [];
for (const e of nodeEntries) {
  if (!existsSync(e.in)) continue;
  contexts.push(await esbuild.context({
    ...common,
    entryPoints: [e.in],
    outfile: `dist/${e.out}.js`,
    platform: 'node',
    format: 'cjs',
    external: e.external ?? [],
    banner: e.banner ? { js: e.banner } : undefined,
  }));
}
if (existsSync('webview/main.ts')) {
  contexts.push(await esbuild.context({
    ...common,
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  }));
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
