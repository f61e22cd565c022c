import { defineConfig } from 'vitest/config';

/**
 * The browser tests (`npm run test:browser`): the debugger page in Debian's Chromium driven by
 * playwright-core. Apart from `npm test` because they need /usr/bin/chromium.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file at a time: each starts a pipeline and a browser on a 2-core machine.
    fileParallelism: false,
    env: {
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
