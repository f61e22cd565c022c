import { type RunningServer, type StartServerOptions, startServer } from '../../src/local/server.ts';

/**
 * `startServer` on 127.0.0.1 (a free port) as the page tests run it: small batches, a short
 * window and fast retries, so what the page shows settles in well under a second.
 */
export function startPageServer(
  options: Pick<StartServerOptions, 'dataDir' | 'matomoUrl' | 'env'> & Partial<StartServerOptions>,
): Promise<RunningServer> {
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    batchSize: 10,
    batchWindowMs: 50,
    visibilityTimeoutSeconds: 1,
    maxReceiveCount: 3,
    drainTimeoutMs: 10_000,
    ...options,
  });
}
