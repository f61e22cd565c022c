import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Keep the run readable: the handlers' INFO logs (one JSON line per invocation) are for
    // CloudWatch; tests that check logs inject their own logger.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN' },
  },
});
