// Lint: the recommended rules of ESLint and typescript-eslint, type-aware where it catches real bugs
// (floating promises, misused promises), and the boundaries between the rooms of functions/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Room boundaries. The selection engine is pure (no I/O, no environment, no AWS, no threads: settings
 * and kernels come in as arguments), the kernels depend on nothing outside their room, and the store
 * knows nothing of the API or the workflow that use it. Exported for the test that shows a violation
 * in each room is an error (test/lint/boundaries.test.ts).
 */
export const roomBoundaries = [
  {
    files: ['functions/selection/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^node:', message: 'The selection engine does no I/O: pass what it needs as arguments.' },
            { regex: '^@aws-sdk/', message: 'The selection engine knows no AWS.' },
            {
              regex: '/(store|api|workflow|ingest|cli|report)/',
              message: 'The selection engine is imported by the other rooms, never the reverse.',
            },
            {
              regex: '/kernels/(?!index\\.js$)',
              message: 'The engine takes its kernels from the caller: import only the Kernels interface (kernels/index.js).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process']", message: 'The selection engine reads no environment: settings come in as arguments.' },
      ],
    },
  },
  {
    files: ['functions/kernels/**/*.ts'],
    // The build script of the WebAssembly modules runs at build time, not in the kernels.
    ignores: ['functions/kernels/wasm/build.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // A sibling room seen from functions/kernels/, or anything above functions/kernels/ from deeper.
              regex: '^\\.\\./(selection|store|api|workflow|ingest|cli|report|formats)/|^\\.\\./\\.\\./(\\.\\./)*[a-z]',
              message: 'The kernels depend on nothing outside their room.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['functions/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '/(api|workflow|cli)/', message: 'The store knows nothing of the API or the workflow that use it.' }] },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.winnow/', 'functions/api/generated/', 'functions/kernels/kernelWorker.mjs', 'console/dist/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...roomBoundaries,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
