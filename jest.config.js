/**
 * Three projects: fast unit specs next to the code, integration/e2e specs in test/ against real Redis, and the
 * Cognigy.AI Extension's specs (integrations/cognigy).
 */
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }],
};
const common = { moduleFileExtensions: ['js', 'json', 'ts'], rootDir: '.', testEnvironment: 'node', transform };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      ...common,
      // The Cognigy.AI Extension (its own package, see integrations/cognigy/README.md), with its own tsconfig.
      displayName: 'cognigy-extension',
      testMatch: ['<rootDir>/integrations/cognigy/**/*.spec.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/integrations/cognigy/tsconfig.json', diagnostics: false }] },
    },
  ],
  // A global option (Jest ignores it inside a project): the e2e specs wait on real Redis, HTTP and child processes.
  testTimeout: 60000,
};
