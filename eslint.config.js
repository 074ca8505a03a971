// Lint rules: the recommended sets of ESLint and typescript-eslint, a ban on reading process.env outside the
// configuration module (config is validated once, at start), and the layers of src/ (ARCHITECTURE.md, "Modules").
import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

// The layers of src/, top to bottom: each module is a folder of src/. A module may import from the layers below its
// own, never from its own layer's other modules or from above; type imports and re-exports count the same. Every file
// of src/ belongs to a module, and every local import goes to one.
const LAYERS = [
  ['cli'],
  ['server'],
  ['dashboard', 'api'],
  ['import'],
  ['internal'],
  ['sql'],
  ['provisioning'],
  ['rls'],
  ['oauth'],
  ['teams'],
  ['sync', 'auth'],
  ['email'],
  ['context'],
  ['projects', 'users'],
  ['rate-limit', 'http', 'storage'],
  ['db', 'crypto'],
  ['config'],
  ['errors'],
];
const layerPolicies = LAYERS.flatMap((layer, index) =>
  layer.map((name) => ({
    from: { element: { type: name } },
    allow: { to: { element: { types: { anyOf: LAYERS.slice(index + 1).flat() } } } },
  })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.authsync/**', 'test-results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportSpecifier[imported.name='useCheapPasswordHashingForTests']",
          message: 'Cheap password hashing is for tests only.',
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': LAYERS.flat().map((name) => ({ type: name, pattern: `src/${name}` })),
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
      'import/resolver': { typescript: { project: 'tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies: layerPolicies }],
      'boundaries/no-unknown-files': 'error',
      'boundaries/no-unknown-dependencies': 'error',
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
