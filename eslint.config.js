// Type-checked lint; workflows may import only @temporalio/workflow, @temporalio/common and pure project modules.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.venv/**', 'data/**', 'coverage/**', 'dist/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // The board's browser script: plain JavaScript outside the TypeScript project, linted without type information.
  { files: ['src/board/assets/**/*.js'], ...tseslint.configs.disableTypeChecked, languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'script', globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', EventSource: 'readonly', DOMParser: 'readonly', setInterval: 'readonly' } } },
  {
    files: ['workflows/**/*.ts', 'src/ladder.ts', 'src/policy.ts', 'src/domain.ts', 'src/duration.ts', 'src/messages.ts', 'src/errors.ts', 'src/searchAttributes.ts', 'src/notifications.ts', 'src/time.ts', 'src/directory.ts', 'src/activityTypes.ts', 'src/ledger.ts', 'src/documents/numbering.ts', 'src/documents/types.ts', 'src/circular/period.ts', 'src/circular/types.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code and the pure modules it imports must not use Node built-ins (determinism).' })),
          patterns: [
            { group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'], message: 'Workflows use only @temporalio/workflow and @temporalio/common.' },
            { group: ['**/activities/**', '../activities/*', '**/config.js', '**/temporal.js', '**/cases.js'], message: 'Workflows do no I/O: call activities through proxyActivities.' },
          ],
        },
      ],
    },
  },
);
