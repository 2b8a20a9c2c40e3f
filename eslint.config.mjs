// ESLint (flat config) with typescript-eslint, as in the `yo code` extension template: `npm run lint`
// (and first thing in `npm test`). Type checking itself is tsc's job (`npm run typecheck`).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Node's globals for the few plain .js files (build script, mocha reporter, test worker). */
const nodeGlobals = Object.fromEntries(
  ['require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  { ignores: ['dist/**', 'dist-test/**', 'out/**', 'node_modules/**', 'scripts/code-server/**', '.vscode-test/**', '.code-server/**', '.venv/**', 'test-results/**', 'bench/out/**', 'test/fixtures/**', 'data/corpus/build/**', 'media/models/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      curly: ['error', 'multi-line'],
      'no-console': 'off',
      'prefer-const': 'error',
      'no-throw-literal': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['**/*.mjs'], languageOptions: { sourceType: 'module' } },
);
