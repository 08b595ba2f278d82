// Lint gate: zero warnings (npm run lint uses --max-warnings 0).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const uiModules = {
  patterns: [
    {
      group: ['vscode', '@vscode/debugadapter', '@vscode/debugadapter/*', 'vscode-languageserver*', 'vscode-languageclient*'],
      message: 'src/model and src/trace are plain TypeScript: no VS Code, DAP or LSP imports (UI layers stay thin).',
    },
  ],
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
  {
    files: ['src/model/**/*.ts', 'src/trace/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', uiModules] },
  },
);
