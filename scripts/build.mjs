// One esbuild script for every entry point: extension, language server,
// standalone debug adapter, CLI and webview.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'src/server/server.ts', out: 'server' },
  { in: 'src/debug/debugAdapter.ts', out: 'debugAdapter' },
  { in: 'src/cli/main.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  // the large-trace index runs in a worker thread of the extension host
  { in: 'src/large/worker.ts', out: 'largeTraceWorker' },
];

const common = {
  bundle: true,
  // One-shot builds write each file whole (temp file + rename): tests that rebuild while others
  // run dist/*.js must never see a half-written bundle.
  write: watch,
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
// One browser bundle per webview: webview/<name>/main.ts → dist/webview/<name>.js
for (const name of ['tree', 'traceViewer']) {
  const entry = `webview/${name}/main.ts`;
  if (!existsSync(entry)) continue;
  contexts.push(await esbuild.context({
    ...common,
    entryPoints: [entry],
    outfile: `dist/webview/${name}.js`,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  }));
}

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  for (const r of results) {
    for (const f of r.outputFiles ?? []) {
      mkdirSync(dirname(f.path), { recursive: true });
      const tmp = `${f.path}.${process.pid}.tmp`;
      writeFileSync(tmp, f.contents);
      renameSync(tmp, f.path);
    }
  }
}
