// The model and the trace engine stay plain TypeScript: the lint rule must refuse UI imports there
// and allow them in the UI layers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath });
  return res.messages.map((m) => m.ruleId ?? m.message);
}

for (const mod of ['vscode', '@vscode/debugadapter', 'vscode-languageserver/node', 'vscode-languageclient/node']) {
  test(`src/model and src/trace may not import ${mod}`, async () => {
    const code = `import * as x from '${mod}';\nexport const y = x;\n`;
    assert.ok((await ruleIds(code, 'src/model/probe.ts')).includes('no-restricted-imports'));
    assert.ok((await ruleIds(code, 'src/trace/replay/probe.ts')).includes('no-restricted-imports'));
    assert.ok(!(await ruleIds(code, 'src/server/probe.ts')).includes('no-restricted-imports'), 'UI layers may');
  });
}
