// The layer graph of README's Architecture section, held against the ESLint rules: every import a
// layer may not make (type-only ones too, at any folder depth) is refused, every one it may make
// passes, and the plain-TypeScript layers refuse VS Code, DAP and LSP modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PRODUCT_ENTRIES, unreachedFiles } from './reachedFiles.js';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(code: string, filePath: string): Promise<boolean> {
  const [res] = await eslint.lintText(code, { filePath });
  return res.messages.some((m) => m.ruleId === 'no-restricted-imports');
}

// What each folder of src/ may import (written out here on purpose, not read from the config).
const MAY: Record<string, string[]> = {
  model: [],
  trace: ['model'],
  qemu: ['model'],
  shared: ['model', 'trace'],
  server: ['model', 'trace', 'shared'],
  large: ['model', 'trace', 'shared', 'server'],
  cli: ['model', 'trace', 'qemu', 'shared'],
  debug: ['model', 'trace', 'qemu', 'shared'],
  extension: ['model', 'trace', 'qemu', 'shared', 'server', 'large', 'cli', 'debug'],
};
const LAYERS = Object.keys(MAY);

for (const from of LAYERS) {
  test(`src/${from} imports only ${MAY[from].join(', ') || 'nothing above it'}`, async () => {
    for (const to of LAYERS.filter((l) => l !== from)) {
      const allowed = MAY[from].includes(to);
      // a probe one folder down (src/LAYER/sub/probe.ts) climbs two levels
      for (const [probe, up] of [[`src/${from}/probe.ts`, '../'], [`src/${from}/sub/probe.ts`, '../../']] as const) {
        const value = `import { x } from '${up}${to}/thing.js';\nexport const y = x;\n`;
        const typeOnly = `import type { X } from '${up}${to}/thing.js';\nexport type Y = X;\n`;
        assert.equal(await restricted(value, probe), !allowed, `${probe} -> src/${to} ${allowed ? 'is allowed' : 'must be refused'}`);
        assert.equal(await restricted(typeOnly, probe), !allowed, `${probe} -> src/${to} (type only) ${allowed ? 'is allowed' : 'must be refused'}`);
      }
    }
    // inside its own layer anything goes
    assert.equal(await restricted(`import { x } from './sibling.js';\nexport const y = x;\n`, `src/${from}/probe.ts`), false);
  });
}

for (const mod of ['vscode', '@vscode/debugadapter', 'vscode-languageserver/node', 'vscode-languageclient/node']) {
  test(`plain-TypeScript layers may not import ${mod}; the UI layers may`, async () => {
    const code = `import * as x from '${mod}';\nexport const y = x;\n`;
    for (const layer of ['model', 'trace', 'qemu', 'shared', 'cli']) assert.ok(await restricted(code, `src/${layer}/probe.ts`), `src/${layer} refuses ${mod}`);
    assert.ok(await restricted(code, 'webview/tree/probe.ts'), `webview refuses ${mod}`);
    for (const layer of ['server', 'debug', 'extension']) assert.ok(!(await restricted(code, `src/${layer}/probe.ts`)), `src/${layer} may import ${mod}`);
  });
}

test('webview/ reads only the model, src/shared (its protocols under src/shared/protocol) and the diagnostic headline', async () => {
  const imp = (p: string): string => `import type { X } from '${p}';\nexport type Y = X;\n`;
  for (const ok of ['../../src/model/space.js', '../../src/shared/protocol/webview.js', '../../src/shared/protocol/largeTrace.js', '../../src/shared/translationView.js', '../../src/trace/replay/headline.js', './dom.js'])
    assert.equal(await restricted(imp(ok), 'webview/tree/probe.ts'), false, ok);
  for (const bad of ['../../src/trace/replay/engine.js', '../../src/trace/replay/spaces.js', '../../src/server/hover.js', '../../src/large/protocol.js', '../../src/large/largeTrace.js', '../../src/debug/session.js', '../../src/extension/extension.js', '../../src/qemu/discover.js'])
    assert.equal(await restricted(imp(bad), 'webview/tree/probe.ts'), true, bad);
});

// "Every file in src/model with runtime code is reached by a product entry point" (issue 12): a
// model file only tests or `import type` reach is a second copy of a rule that ships elsewhere.
test('every src/model file with runtime code is bundled by a product entry point', async () => {
  for (const e of PRODUCT_ENTRIES) assert.ok(existsSync(e.file), `entry point ${e.file} exists (keep PRODUCT_ENTRIES in step with scripts/build.mjs)`);
  const dead = await unreachedFiles(process.cwd(), PRODUCT_ENTRIES, 'src/model');
  assert.deepEqual(dead, [], `src/model files no product entry point runs (wire them in or delete them and their tests):\n  ${dead.join('\n  ')}`);
});

// The rest of the product is held to the same, with one file that is there for the tests and
// benchmarks on purpose (a seeded PRNG, so fuzz and generated traces repeat exactly).
const NOT_PRODUCT = ['src/shared/prng.ts'];

test('every src/ and webview/ file with runtime code is bundled by a product entry point (the test-only PRNG aside)', async () => {
  const dead = [...(await unreachedFiles(process.cwd(), PRODUCT_ENTRIES, 'src')), ...(await unreachedFiles(process.cwd(), PRODUCT_ENTRIES, 'webview'))];
  assert.deepEqual(dead, NOT_PRODUCT, `files no product entry point runs:\n  ${dead.join('\n  ')}`);
});

test('the reachability check sees runtime imports only: a file reached only by `import type`, or by nothing, is dead; types-only and re-export files need no reach', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-reach-'));
  try {
    const put = (name: string, text: string) => {
      mkdirSync(join(dir, dirname(name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    };
    put('main.ts', "import { used } from './lib/used.js';\nimport type { T } from './lib/typeOnly.js';\nimport { partly } from './lib/partly.js';\nexport const out: T = used(1) + partly();\n");
    put('lib/used.ts', 'export const used = (n: number): number => n + 1;\n');
    put('lib/typeOnly.ts', 'export type T = number;\nexport const runtime = (): number => 2;\n');
    put('lib/partly.ts', 'export const partly = (): number => 3;\nexport function neverCalled(): number { return 4; }\n');
    put('lib/orphan.ts', 'export const orphan = (): number => 5;\n');
    put('lib/types.ts', 'export interface OnlyTypes { a: number }\nexport type Alias = string;\n');
    put('lib/reexport.ts', "export { used } from './used.js';\nexport * from './types.js';\n");
    assert.deepEqual(await unreachedFiles(dir, [{ file: 'main.ts', platform: 'node' }], 'lib'), ['lib/orphan.ts', 'lib/typeOnly.ts']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
