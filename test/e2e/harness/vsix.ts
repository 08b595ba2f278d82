// The extension as users install it: a .vsix packaged from the runtime files of the current
// build. `npm run package` would rebuild dist in production mode under other tests' feet, so
// the runtime files are staged into a temp dir and vsce packages that copy (it needs no
// node_modules there: the bundles carry their dependencies).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Files of the repository root that go into the package, by directory and name test. */
const RUNTIME: { dir: string; take: (rel: string) => boolean; required: boolean }[] = [
  { dir: '.', take: (f) => ['package.json', 'README.md', 'LICENSE', '.vscodeignore'].includes(f), required: true },
  { dir: 'dist', take: (f) => /^[^/]+\.js$/.test(f), required: true },
  { dir: 'dist/webview', take: (f) => /^[^/]+\.(js|css)$/.test(f), required: false },
  { dir: 'syntaxes', take: (f) => f.endsWith('.json'), required: true },
  { dir: 'docs/walkthrough', take: (f) => f.endsWith('.md'), required: false },
  { dir: 'docs/images', take: (f) => f.endsWith('.png'), required: false },
  { dir: 'webview', take: (f) => f.endsWith('.css'), required: false },
  // the samples the walkthrough opens
  { dir: 'samples', take: (f) => f.endsWith('.log') || f === 'qemu-7.2-vtd-net/README.md', required: true },
];

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** Copies the runtime files of `root` into `stage`; returns how many were copied. */
export function stageExtension(root: string, stage: string): number {
  let n = 0;
  for (const r of RUNTIME) {
    const from = join(root, r.dir);
    if (!existsSync(from)) {
      if (r.required) throw new Error(`cannot stage the extension: ${from} is missing (run npm run build first)`);
      continue;
    }
    const names = r.dir === '.' ? readdirSync(from).filter((f) => statSync(join(from, f)).isFile()) : filesUnder(from);
    for (const f of names.filter(r.take)) {
      const to = join(stage, r.dir, f);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(from, f), to);
      n++;
    }
  }
  if (!existsSync(join(stage, 'dist/extension.js'))) throw new Error(`cannot stage the extension: ${join(root, 'dist/extension.js')} is missing (run npm run build first)`);
  return n;
}

/** Packages the staged copy of `root` into `<outDir>/iova-lens.vsix` with the project's vsce. */
export function packageVsix(root: string, stage: string, outDir: string): string {
  stageExtension(root, stage);
  const vsce = join(root, 'node_modules/.bin/vsce');
  if (!existsSync(vsce)) throw new Error(`${vsce} is missing: run npm ci in ${root}`);
  const out = join(outDir, 'iova-lens.vsix');
  // The same flags as `npm run package`: README's relative links stay relative (VS Code resolves
  // them inside the installed extension).
  const base = ['--no-rewrite-relative-links'];
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', ...base, '-o', out], {
    cwd: stage,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0 || !existsSync(out)) {
    throw new Error(`vsce package failed in ${stage} (exit ${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim().slice(-1500)}`);
  }
  return out;
}
