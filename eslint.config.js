// Lint, including the layer rules of DESIGN.md: imports only point down.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net', 'stream', 'events', 'url', 'util', 'worker_threads'];

export const layerRules = [
  {
    files: ['shared/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'shared/ runs everywhere: no Node built-ins.' },
            { group: ['electron', 'react', 'react-dom', 'react-*', '**/main/**', '../main/*', '**/renderer/**', '../renderer/*'], message: 'shared/ imports nothing platform-specific.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/engine/**/*.{ts,tsx}', 'main/sandbox/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*', 'react', 'react-dom', 'react-*', '@tanstack/react-*'], message: 'The engine never imports electron or react.' },
            { group: ['**/renderer/**', '**/agent/**', '**/electron/**'], message: 'The engine sits below the agent, the Electron shell and the renderer.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/agent/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['electron', 'electron/*', 'react', 'react-dom', '**/renderer/**', '**/electron/**'], message: 'The headless agent runs without Electron or React.' }] },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/main/**', '../main/*', '../../main/*'], message: 'The renderer reaches the engine only through the bridge (renderer/bridge).' },
            { group: [...nodeBuiltins, 'electron', 'electron/*'], message: 'The renderer runs in a sandboxed page: no Node, no Electron.' },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'release/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', __dirname: 'readonly' } },
  },
  ...layerRules,
);
