import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Before every test file: argon2id at its minimum cost in the test process (the tests of hashing put it back).
    setupFiles: ['test/setup/cheap-password-hashing.ts'],
    pool: 'forks',
    // Two cores: a few files at a time keeps argon2id and PostgreSQL from starving each other.
    maxWorkers: 3,
    // A guard against hangs, not a performance check: CLI tests spawn processes, slow on a loaded 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
