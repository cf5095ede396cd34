// typescript-eslint and Prettier, plus the architecture: no import cycles, and each layer of src/ imports only the
// layers below it (config → infrastructure → auth → endpoints → relay → contact-center | bot → handover → reporting →
// console → app).
import { existsSync, readdirSync } from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Each folder of src/contact-center is one provider. */
const PROVIDER_FOLDERS = existsSync('src/contact-center')
  ? readdirSync('src/contact-center', { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
  : [];

/** Each layer, and what it must not import (everything above it). */
const LAYERS = ['config', 'infrastructure', 'auth', 'endpoints', 'relay', 'contact-center', 'bot', 'handover', 'reporting', 'console'];
const ABOVE = {
  config: LAYERS.slice(1),
  infrastructure: LAYERS.slice(2),
  auth: LAYERS.slice(3),
  endpoints: LAYERS.slice(4),
  relay: LAYERS.slice(5),
  'contact-center': ['bot', ...LAYERS.slice(7)],
  bot: ['contact-center', ...LAYERS.slice(7)],
  handover: LAYERS.slice(8),
  reporting: LAYERS.slice(9),
  console: [],
};

export const layerZones = [
  ...Object.entries(ABOVE).flatMap(([layer, above]) =>
    above.map((from) => ({ target: `./src/${layer}`, from: `./src/${from}`, message: `src/${layer} is below src/${from}` })),
  ),
  // The product never imports the tools, tests or benchmarks.
  ...['tools', 'test', 'bench', 'integrations'].map((from) => ({
    target: './src',
    from: `./${from}`,
    message: 'src/ is the product: it does not import tools, tests or benchmarks',
  })),
  // One provider never imports another: the boundary is src/contact-center/*.ts.
  ...PROVIDER_FOLDERS.flatMap((provider) =>
    PROVIDER_FOLDERS.filter((other) => other !== provider).map((other) => ({
      target: `./src/contact-center/${provider}`,
      from: `./src/contact-center/${other}`,
      message: 'a provider imports only the provider boundary (src/contact-center/*.ts), never another provider',
    })),
  ),
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/results/**', 'coverage/**', 'integrations/*/build/**', 'tools/demo/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.test.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // A server's handler that refers to the object created once the server listens is read "before" assignment.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Nest's injection tokens and test doubles use empty classes and interfaces by design.
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    // The layers bind the product; unit specs beside the code may compose layers and use test support.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    // Tests read arbitrary JSON answers.
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ignores: ['src/console/public/**'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // The operator console's browser modules (served as they are, no build step).
    files: ['src/console/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'sessionStorage',
          'fetch',
          'navigator',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'Intl',
          'Node',
          'HTMLElement',
          'URL',
          'URLSearchParams',
          'Blob',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  prettier,
);
