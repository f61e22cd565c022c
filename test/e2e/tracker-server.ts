import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../../src/local/server.ts';

/**
 * `taglane serve` on a random port with the inspector as its Matomo and the browser tracker
 * on, from `trackerYaml` written into `dir`: what the tracker's end-to-end tests share.
 */
export async function startTrackerServer(dir: string, trackerYaml: string): Promise<RunningServer> {
  const trackerFile = join(dir, 'tracker.yaml');
  await writeFile(trackerFile, trackerYaml.endsWith('\n') ? trackerYaml : `${trackerYaml}\n`);
  return startServer({
    host: '127.0.0.1',
    port: 0,
    rulesDir: 'rules',
    dataDir: join(dir, 'data'),
    matomoUrl: undefined,
    drainTimeoutMs: 30_000,
    batchSize: 100,
    batchWindowMs: 50,
    visibilityTimeoutSeconds: 30,
    maxReceiveCount: 3,
    env: { TAGLANE_TRACKER_FILE: trackerFile },
  });
}
