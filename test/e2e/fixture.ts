import { type RunningServer, type StartServerOptions, startServer } from '../../src/local/server.ts';
import { type Held, perFile } from '../support/lifecycle.ts';
import { type MatomoServerOptions, startMatomoServer, type TestMatomo } from '../support/matomo-server.ts';
import { tempDirPerFile } from '../support/temp-dir.ts';
import { type E2eSecrets, newSecrets } from './senders.ts';

/** What an end-to-end test file runs against, for all its tests. */
export interface E2eFixture {
  /** Fresh random secrets; `MATOMO_TOKEN` is a super user token of {@link E2eFixture.matomo}. */
  readonly secrets: E2eSecrets;
  /** A temporary directory (a data directory, or a parent of several). */
  readonly dir: string;
  /** A Matomo-like server on 127.0.0.1. */
  readonly matomo: TestMatomo;
}

/**
 * Registers the hooks that make a temporary directory and start a Matomo-like server before the
 * file's tests and stop and remove them after. Call it first in the file, so hooks registered
 * later (servers on the directory) are undone before these.
 */
export function e2eFixture(
  prefix: string,
  matomoOptions: Omit<MatomoServerOptions, 'superUserTokens'> = { sites: [1] },
): E2eFixture {
  const secrets = newSecrets();
  const temp = tempDirPerFile(prefix);
  const matomo = perFile(
    'the test Matomo',
    () => startMatomoServer({ ...matomoOptions, superUserTokens: [secrets.MATOMO_TOKEN] }),
    (server) => server.close(),
  );
  return {
    secrets,
    get dir() {
      return temp.path;
    },
    get matomo() {
      return matomo.current;
    },
  };
}

/** How a test batches and retries; everything else of {@link startServer} has a default. */
export type E2eServerOptions = Pick<
  StartServerOptions,
  'batchSize' | 'batchWindowMs' | 'visibilityTimeoutSeconds' | 'maxReceiveCount'
> &
  Partial<StartServerOptions>;

/**
 * `startServer` for the shipped rules on 127.0.0.1 (a free port), with the fixture's directory
 * as data directory, its Matomo and its secrets as the handlers' environment.
 */
export function startE2eServer(e2e: E2eFixture, options: E2eServerOptions): Promise<RunningServer> {
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir: e2e.dir,
    matomoUrl: e2e.matomo.url,
    drainTimeoutMs: 30_000,
    env: e2e.secrets,
    ...options,
  });
}

/**
 * Starts a server with {@link startE2eServer} before the file's tests and closes it after them.
 * Register it after {@link e2eFixture}; read `current` inside tests only.
 */
export function e2eServerPerFile(e2e: E2eFixture, options: E2eServerOptions): Held<RunningServer> {
  return perFile(
    'the server',
    () => startE2eServer(e2e, options),
    (server) => server.close(),
  );
}
