import { defineConfig } from 'vitest/config';

// Three projects, so `npm test` runs all of them and each tier can run alone:
// unit (pure, no Redis: `npm run test:unit`), integration (a private
// redis-server, the Slack simulator, the real claude CLI, real processes) and
// support (the test harness's own tests).
const shared = {
  exclude: ['**/node_modules/**', '**/dist/**'],
  setupFiles: ['tests/support/no-leftover-processes.ts'],
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
  // A slow machine (2 cores, several Redis-backed suites) needs room; tests
  // assert behaviour, benchmarks measure time.
  teardownTimeout: 20_000,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'support',
          include: ['tests/support/**/*.test.ts'],
          globalSetup: ['tests/support/global-setup.ts'],
        },
      },
    ],
  },
});
