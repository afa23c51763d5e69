import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A slow machine (2 cores, several Redis-backed suites) needs room; tests
    // assert behaviour, benchmarks measure time.
    teardownTimeout: 20_000,
  },
});
