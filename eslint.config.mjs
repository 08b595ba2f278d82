// Lint gate: zero warnings (npm run lint uses --max-warnings 0).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layer graph (README, Architecture). Each folder may import only the layers listed for it;
// the rules below refuse the others, type-only imports included. Relative specifiers climb to
// src/ and descend into a layer, so a regex on "../…/LAYER/" catches them at any depth.
const UI_MODULES = ['vscode', '@vscode/debugadapter', '@vscode/debugadapter/*', 'vscode-languageserver*', 'vscode-languageclient*'];
const LAYERS = ['model', 'trace', 'qemu', 'shared', 'server', 'large', 'cli', 'debug', 'extension'];
export const LAYER_GRAPH = {
  model: [],
  trace: ['model'],
  qemu: ['model'],
  shared: ['model', 'trace'],
  server: ['model', 'trace', 'shared'],
  large: ['model', 'trace', 'shared', 'server'],
  cli: ['model', 'trace', 'qemu', 'shared'],
  debug: ['model', 'trace', 'qemu', 'shared'],
  extension: LAYERS.filter((l) => l !== 'extension'),
};
const UI_FREE = new Set(['model', 'trace', 'qemu', 'shared', 'cli']);

function layerRule(layer) {
  const banned = LAYERS.filter((l) => l !== layer && !LAYER_GRAPH[layer].includes(l));
  const patterns = [];
  if (banned.length)
    patterns.push({
      regex: `^(\\.\\./)+(${banned.join('|')})/`,
      message: `src/${layer} may import only ${LAYER_GRAPH[layer].length ? LAYER_GRAPH[layer].map((l) => `src/${l}`).join(', ') : 'nothing from the other layers'} (README, Architecture).`,
    });
  if (UI_FREE.has(layer))
    patterns.push({ group: UI_MODULES, message: `src/${layer} is plain TypeScript: no VS Code, DAP or LSP imports (UI layers stay thin).` });
  return { files: [`src/${layer}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

// webview/ runs in the browser: it may read the model's and src/shared's plain code (the messages
// it exchanges are all under src/shared/protocol) and the diagnostic headline wording, nothing
// that runs in Node.
const webviewRule = {
  files: ['webview/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { regex: '^(\\.\\./)+src/(?!model/|shared/|trace/replay/headline\\.js$)', message: 'webview/ may import only src/model, src/shared (its messages: src/shared/protocol) and src/trace/replay/headline.js (README, Architecture).' },
          { group: UI_MODULES, message: 'webview/ runs in the browser: no VS Code, DAP or LSP modules (it talks through acquireVsCodeApi).' },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-artifacts/**', '**/*.vsix'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['warn', { checkLoops: false }],
    },
  },
  ...LAYERS.map(layerRule),
  webviewRule,
);
