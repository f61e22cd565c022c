import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // They need a real Matomo (`npm run test:matomo`, vitest.matomo.config.ts) or Chromium
    // (`npm run test:browser`, vitest.browser.config.ts).
    exclude: ['test/conformance/**', 'test/browser/**', '**/node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Keep the run readable: the handlers' INFO logs and EMF metric lines (one JSON line per
    // invocation) are for CloudWatch; tests that check logs or metrics inject their own.
    env: {
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The AWS SDK's notice about Node 22 would print once per test file (README says it once).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
