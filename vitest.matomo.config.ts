import { defineConfig } from 'vitest/config';

/**
 * The conformance suite: the real pipeline into the real Matomo named by MATOMO_URL and
 * MATOMO_TOKEN (`npm run test:matomo`). Not part of `npm test`, which needs nothing outside
 * the repository.
 */
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    env: {
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The AWS SDK's notice about Node 22 would print once per test file (README says it once).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
